//! The page's tables: the decision, and every figure of every result.

use std::fmt::Write;

use super::{anchor, esc, prose};
use crate::decide::{too_short, Axis, Decision, MIN_DURATION_S, MIN_OPS, TIE_RATIO};
use crate::figures::{figures, Better, Figure};
use crate::load::RunSet;
use crate::schemes;
use crate::units::{human, Unit};

/// What an axis's value is, in words.
fn measured_as(axis: Axis, ops: &[String]) -> String {
    match axis {
        Axis::Latency if ops.iter().any(|op| op == "handle_event") => {
            "p99 of `handle_event`, the read side".into()
        }
        Axis::Latency if ops.len() == 1 => format!("p99 of `{}`", ops[0]),
        Axis::Latency => format!("geometric mean of the p99 of `{}`", ops.join("`, `")),
        Axis::Memory => "peak allocated bytes".into(),
        Axis::Alloc => "allocation calls per op".into(),
    }
}

/// The decision section.
pub fn decision(out: &mut String, d: &Decision, has_kernel: bool, has_models: bool) {
    out.push_str("<section id=\"decision\">\n<h2>Decision</h2>\n");
    if has_models {
        winners_and_ranking(out, d);
    } else {
        out.push_str(
            "<p>Nothing to rank: there are no model results in this run, only the host \
             kernel's, which is a reference and never ranked. Its figures are below.</p>\n",
        );
    }
    tradeoffs_and_unjudged(out, d, has_kernel, has_models);
}

/// The winners per axis, the ranking and how its scores are made.
fn winners_and_ranking(out: &mut String, d: &Decision) {
    // Winners per axis.
    out.push_str(
        "<h3>Winner per axis</h3>\n<table id=\"winners\">\n<thead><tr><th>scenario</th>\
         <th>axis</th><th>measured as</th><th>winner</th><th>value</th><th>runner-up</th>\
         <th>value</th><th>ratio</th></tr></thead>\n<tbody>\n",
    );
    for s in &d.scenarios {
        for w in &s.wins {
            let unit = w.axis.unit();
            let (second, second_value, ratio) = match (&w.runner_up, w.ratio()) {
                (Some((id, v)), Some(r)) => {
                    let tie = if r < TIE_RATIO { " (a tie)" } else { "" };
                    (esc(id), human(*v, unit), format!("{r:.2}×{tie}"))
                }
                _ => ("none".into(), String::new(), String::new()),
            };
            let _ = writeln!(
                out,
                "<tr><td><a href=\"#{}\">{}</a></td><td>{}</td><td>{}</td><td><b>{}</b></td>\
                 <td>{}</td><td>{second}</td><td>{second_value}</td><td>{ratio}</td></tr>",
                anchor(&s.scenario),
                esc(&s.scenario),
                w.axis.name(),
                prose(&measured_as(w.axis, &s.latency_ops)),
                esc(&w.winner.0),
                human(w.winner.1, unit),
            );
        }
    }
    out.push_str("</tbody>\n</table>\n");

    // Ranking.
    let _ = write!(
        out,
        "<h3>Ranking under weights <code>{}</code></h3>\n<table id=\"ranking\">\n<thead><tr>\
         <th>#</th><th>scheme</th><th>overall score</th><th>ranked in</th><th>first in</th>",
        d.weights
    );
    for s in &d.scenarios {
        let _ = write!(out, "<th>{}</th>", esc(&s.scenario));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (i, o) in d.overall.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><td>{}</td><td><i class=\"sw\" style=\"background:{}\"></i>{}</td>\
             <td><b>{:.2}</b></td><td>{} of {}</td><td>{}</td>",
            i + 1,
            schemes::css_colour(&o.scheme),
            esc(&o.scheme),
            o.score,
            o.ranked_in,
            d.scenarios.len(),
            o.first_in
        );
        for s in &d.scenarios {
            match s.ranking.iter().find(|(id, _)| *id == o.scheme) {
                Some((_, score)) => {
                    let _ = write!(out, "<td>{score:.2}</td>");
                }
                None => out.push_str("<td class=\"na\">not ranked</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    let _ = writeln!(
        out,
        "<p>How the scores are made: in each scenario a scheme's score is the weighted \
         geometric mean, over the axes, of its value divided by the best value (latency: \
         the p99 of event delivery, the read side that runs on every access to a watched \
         object; without events, the p99s of the operations every judged scheme measured, \
         combined by geometric mean; memory: the allocator's peak allocated bytes; alloc: allocation calls per \
         operation). 1.00 is best on every axis; 1.50 is 50&nbsp;% worse on a weighted \
         average. The overall score is the geometric mean of a scheme's scenario scores; \
         schemes ranked in fewer scenarios sort after those ranked in all. Values are \
         floored at 1&nbsp;ns, 4&nbsp;KiB and 0.01 allocations per operation before ratios \
         are taken; ratios under {TIE_RATIO} are called ties.</p>"
    );
}

/// What the numbers show beyond the ranking, and what was not judged.
fn tradeoffs_and_unjudged(out: &mut String, d: &Decision, has_kernel: bool, has_models: bool) {
    out.push_str("<h3>Trade-offs found in the numbers</h3>\n");
    if has_kernel {
        let _ = writeln!(out, "<p>{}</p>", prose(crate::tradeoffs::KERNEL_CAVEAT));
    }
    for s in &d.scenarios {
        if s.tradeoffs.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<h4><a href=\"#{}\">{}</a></h4>\n<ul class=\"say tradeoffs\">",
            anchor(&s.scenario),
            esc(&s.scenario)
        );
        for t in &s.tradeoffs {
            let _ = writeln!(out, "<li>{}</li>", prose(t));
        }
        out.push_str("</ul>\n");
    }

    // Not judged.
    out.push_str("<h3 id=\"not-judged\">Not judged</h3>\n");
    let _ = writeln!(
        out,
        "<p>A result with fewer than {MIN_OPS} operations or a measured phase under \
         {MIN_DURATION_S}&nbsp;s is too short to trust; <code>linux</code> is a reference \
         and never judged.</p>"
    );
    let any = d.scenarios.iter().any(|s| !s.unjudged.is_empty());
    if !has_models {
        out.push_str("<p>There are no model results to judge.</p>\n");
    } else if !any {
        out.push_str("<p>Every model's result was judged.</p>\n");
    }
    out.push_str("<ul class=\"say\" id=\"unjudged\">\n");
    for s in &d.scenarios {
        for u in &s.unjudged {
            let _ = writeln!(
                out,
                "<li><code>{}</code>: {}</li>",
                esc(&s.scenario),
                prose(u)
            );
        }
    }
    out.push_str("</ul>\n</section>\n");
}

/// Every figure of every result: one table per scenario, a row per figure, a
/// column per scheme, the best model in each row marked.
pub fn every_figure(out: &mut String, set: &RunSet) {
    out.push_str("<section id=\"figures\">\n<h2>Every figure</h2>\n");
    out.push_str(
        "<p>Rows are the figures of the result files (their key in the file), columns the \
         schemes. The best judged model in each row where lower or higher is better is \
         shaded; <code>linux</code> and results too short to judge are not compared. A \
         blank cell: the figure does not apply.</p>\n",
    );
    for scenario in set.scenarios() {
        let results = set.scenario(scenario);
        let per_scheme: Vec<(String, Vec<Figure>)> = results
            .iter()
            .map(|r| (r.scheme.clone(), figures(r)))
            .collect();
        // Only results the decision judges compete for the shading.
        let compared: Vec<bool> = results
            .iter()
            .map(|r| schemes::is_candidate(&r.scheme) && too_short(r).is_none())
            .collect();

        // Row keys in table order, over all schemes.
        let mut rows: Vec<(u32, String, Unit, Better)> = per_scheme
            .iter()
            .flat_map(|(_, fs)| {
                fs.iter()
                    .map(|f| (f.order, f.key.clone(), f.unit, f.better))
            })
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        rows.dedup_by(|a, b| a.1 == b.1);

        let _ = write!(
            out,
            "<h3>{}</h3>\n<table class=\"figures\" data-scenario=\"{}\">\n<thead><tr>\
             <th>figure</th><th>unit</th>",
            esc(scenario),
            esc(scenario)
        );
        for (id, _) in &per_scheme {
            let _ = write!(
                out,
                "<th><i class=\"sw\" style=\"background:{}\"></i>{}</th>",
                schemes::css_colour(id),
                esc(id)
            );
        }
        out.push_str("</tr></thead>\n<tbody>\n");

        for (_, key, unit, better) in rows {
            let cells: Vec<Option<f64>> = per_scheme
                .iter()
                .map(|(_, fs)| fs.iter().find(|f| f.key == key).map(|f| f.value))
                .collect();
            let best = best_of(&compared, &cells, better);
            let _ = write!(out, "<tr><td>{}</td><td>{}</td>", esc(&key), unit.name());
            for (v, compared) in cells.iter().zip(&compared) {
                match v {
                    Some(v) if best == Some(*v) && *compared => {
                        let _ = write!(
                            out,
                            "<td class=\"best\" title=\"{v}\">{}</td>",
                            human(*v, unit)
                        );
                    }
                    Some(v) => {
                        let _ = write!(out, "<td title=\"{v}\">{}</td>", human(*v, unit));
                    }
                    None => out.push_str("<td class=\"na\"></td>"),
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");
}

/// The best value among the compared results in a row, when the row has a
/// direction, two compared results have it, and they differ.
fn best_of(compared: &[bool], cells: &[Option<f64>], better: Better) -> Option<f64> {
    let models: Vec<f64> = compared
        .iter()
        .zip(cells)
        .filter(|(c, _)| **c)
        .filter_map(|(_, v)| *v)
        .collect();
    if models.len() < 2 {
        return None;
    }
    let lo = models.iter().copied().fold(f64::MAX, f64::min);
    let hi = models.iter().copied().fold(f64::MIN, f64::max);
    if lo == hi {
        return None;
    }
    match better {
        Better::Lower => Some(lo),
        Better::Higher => Some(hi),
        Better::Neither => None,
    }
}
