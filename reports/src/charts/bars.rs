//! Bar charts: latency per operation, and one value per scheme.

use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;

use connbench_workloads::result::RunResult;

use super::{entries, log_bounds, svg, title_style, wants_log, DrawResult, Ticks};
use crate::schemes;
use crate::units::duration_ns;

/// One bar group: p50 as the bar, p99 and p99.9 as ticks on a whisker.
struct Latency {
    slot: usize,
    group: usize,
    colour: RGBColor,
    p50: f64,
    p99: f64,
    p999: f64,
}

/// p50 as a bar, p99 and p99.9 as ticks, per operation (groups) per scheme
/// (bars within a group); a log axis when the spread needs one.
pub fn latency_bars(
    title: &str,
    results: &[&RunResult],
    ops: &[String],
    ids: &[String],
) -> Result<String, String> {
    let legend = entries(ids, |id| {
        results
            .iter()
            .any(|r| r.scheme == id && ops.iter().any(|op| r.ops.contains_key(op)))
    });
    let mut bars = Vec::new();
    for (group, op) in ops.iter().enumerate() {
        for (slot, entry) in legend.iter().enumerate() {
            let Some(s) = results
                .iter()
                .find(|r| r.scheme == entry.id)
                .and_then(|r| r.ops.get(op))
            else {
                continue;
            };
            bars.push(Latency {
                slot,
                group,
                colour: schemes::colour(&entry.id),
                p50: s.p50_ns as f64,
                p99: s.p99_ns as f64,
                p999: s.p999_ns as f64,
            });
        }
    }
    let lo = bars.iter().map(|b| b.p50).fold(f64::MAX, f64::min);
    let hi = bars.iter().map(|b| b.p999).fold(0.0, f64::max).max(1.0);
    let note = ["bar: p50", "upper tick: p99.9", "middle tick: p99"];
    let labels: Vec<String> = ops.to_vec();

    svg(&legend, &note, |area| {
        if wants_log(lo, hi) {
            let (ylo, yhi) = log_bounds(lo, hi);
            let axis = "latency (log scale)";
            draw_latency(
                area,
                title,
                (ylo..yhi).log_scale(),
                ylo,
                axis,
                &labels,
                legend.len(),
                &bars,
            )
        } else {
            let axis = "latency";
            draw_latency(
                area,
                title,
                0.0..hi * 1.1,
                0.0,
                axis,
                &labels,
                legend.len(),
                &bars,
            )
        }
    })
}

#[allow(clippy::too_many_arguments)]
fn draw_latency<Y>(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    title: &str,
    y: Y,
    base: f64,
    y_desc: &str,
    groups: &[String],
    slots: usize,
    bars: &[Latency],
) -> DrawResult
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let x = Ticks::categories(groups);
    let mut chart = ChartBuilder::on(area)
        .caption(title, title_style())
        .margin(10)
        .x_label_area_size(45)
        .y_label_area_size(90)
        .build_cartesian_2d(x, y)?;
    chart
        .configure_mesh()
        .light_line_style(super::LIGHT_GRID)
        .label_style(super::label_style())
        .axis_desc_style(super::label_style())
        .disable_x_mesh()
        .y_label_formatter(&|v| duration_ns(*v))
        .y_desc(y_desc)
        .draw()?;

    let width = 0.8 / slots.max(1) as f64;
    for b in bars {
        let x0 = b.group as f64 + 0.1 + b.slot as f64 * width;
        let mid = x0 + width / 2.0;
        let style = b.colour.stroke_width(2);
        chart.draw_series([Rectangle::new(
            [
                (x0 + width * 0.1, base),
                (x0 + width * 0.9, b.p50.max(base)),
            ],
            b.colour.filled(),
        )])?;
        chart.draw_series([PathElement::new(vec![(mid, b.p50), (mid, b.p999)], style)])?;
        for (v, half) in [(b.p99, 0.35), (b.p999, 0.2)] {
            let tick = vec![(mid - width * half, v), (mid + width * half, v)];
            chart.draw_series([PathElement::new(tick, style)])?;
        }
    }
    Ok(())
}

/// One bar per scheme for the value `value` gives; schemes without it get an
/// empty slot and "no data" in the legend.
pub fn value_bars(
    title: &str,
    y_desc: &str,
    ids: &[String],
    values: &[(String, f64)],
    format: &dyn Fn(f64) -> String,
) -> Result<String, String> {
    let legend = entries(ids, |id| values.iter().any(|v| v.0 == id));
    let hi = values.iter().map(|v| v.1).fold(0.0, f64::max);
    let hi = if hi > 0.0 { hi * 1.15 } else { 1.0 };
    svg(&legend, &[], |area| {
        let x = Ticks::categories(ids);
        let mut chart = ChartBuilder::on(area)
            .caption(title, title_style())
            .margin(10)
            .x_label_area_size(45)
            .y_label_area_size(90)
            .build_cartesian_2d(x, 0.0..hi)?;
        chart
            .configure_mesh()
            .light_line_style(super::LIGHT_GRID)
            .label_style(super::label_style())
            .axis_desc_style(super::label_style())
            .disable_x_mesh()
            .y_label_formatter(&|v| format(*v))
            .y_desc(y_desc)
            .draw()?;
        for (i, id) in ids.iter().enumerate() {
            let x0 = i as f64;
            match values.iter().find(|v| v.0 == *id) {
                Some((_, v)) => {
                    let colour = schemes::colour(id);
                    chart.draw_series([Rectangle::new(
                        [(x0 + 0.15, 0.0), (x0 + 0.85, *v)],
                        colour.filled(),
                    )])?;
                    chart.draw_series([Text::new(
                        format(*v),
                        (x0 + 0.15, *v + hi * 0.07),
                        ("sans-serif", 15).into_font(),
                    )])?;
                }
                None => {
                    chart.draw_series([Text::new(
                        "n/a".to_string(),
                        (x0 + 0.35, hi * 0.05),
                        ("sans-serif", 15)
                            .into_font()
                            .color(&RGBColor(0x88, 0x88, 0x88)),
                    )])?;
                }
            }
        }
        Ok(())
    })
}
