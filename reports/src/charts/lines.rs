//! Line charts: memory against time, and the latency tail as a percentile curve.

use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;

use connbench_workloads::result::{OpStats, RunResult};

use super::{
    byte_scale, entries, log_bounds, svg, tick, title_style, wants_log, DrawResult, Ticks,
};
use crate::schemes;
use crate::units::duration_ns;

/// Which timeline quantity a chart shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimelineSeries {
    /// The allocator's allocated bytes.
    AllocatedBytes,
    /// Connectors allocated and not yet freed (pending ones included).
    LiveConnectors,
    /// Connectors retired and not yet freed.
    PendingConnectors,
}

impl TimelineSeries {
    fn points(self, r: &RunResult) -> Vec<(f64, f64)> {
        let Some(m) = &r.memory else {
            return Vec::new();
        };
        m.timeline
            .iter()
            .filter_map(|s| {
                let v = match self {
                    TimelineSeries::AllocatedBytes => s.allocated_bytes? as f64,
                    TimelineSeries::LiveConnectors => s.live_connectors as f64,
                    TimelineSeries::PendingConnectors => s.pending_connectors? as f64,
                };
                Some((s.t_ms, v))
            })
            .collect()
    }
}

/// One line per scheme of `series` against the time of the measured phase.
pub fn timeline(
    title: &str,
    results: &[&RunResult],
    series: TimelineSeries,
    ids: &[String],
) -> Result<String, String> {
    let lines: Vec<(String, Vec<(f64, f64)>)> = ids
        .iter()
        .filter_map(|id| {
            let r = results.iter().find(|r| r.scheme == *id)?;
            let points = decimate(&series.points(r), MAX_BUCKETS);
            (!points.is_empty()).then(|| (id.clone(), points))
        })
        .collect();
    let legend = entries(ids, |id| lines.iter().any(|l| l.0 == id));
    let t_max = lines
        .iter()
        .flat_map(|l| l.1.iter().map(|p| p.0))
        .fold(1.0, f64::max);
    let v_max = lines
        .iter()
        .flat_map(|l| l.1.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    let (div, y_desc) = match series {
        TimelineSeries::AllocatedBytes => {
            let (div, unit) = byte_scale(v_max);
            (div, format!("allocated, {unit}"))
        }
        TimelineSeries::LiveConnectors => (1.0, "live connectors".to_string()),
        TimelineSeries::PendingConnectors => (1.0, "pending connectors".to_string()),
    };
    let y_hi = if v_max > 0.0 { v_max / div * 1.1 } else { 1.0 };

    svg(&legend, &[], |area| {
        let mut chart = ChartBuilder::on(area)
            .caption(title, title_style())
            .margin(10)
            .x_label_area_size(50)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..t_max, 0.0..y_hi)?;
        chart
            .configure_mesh()
            .light_line_style(super::LIGHT_GRID)
            .label_style(super::label_style())
            .axis_desc_style(super::label_style())
            .x_desc("time since the measured phase began, ms")
            .y_desc(y_desc.as_str())
            .y_label_formatter(&|v| tick(*v))
            .x_label_formatter(&|v| tick(*v))
            .draw()?;
        for (id, points) in &lines {
            let style = schemes::colour(id).stroke_width(2);
            let scaled = points.iter().map(|(t, v)| (*t, v / div));
            chart.draw_series(LineSeries::new(scaled, style))?;
        }
        Ok(())
    })
}

/// A line keeps at most this many time buckets (two points each).
const MAX_BUCKETS: usize = 400;

/// Thins a timeline to at most `buckets` time buckets, keeping each bucket's
/// lowest and highest point in time order, so peaks survive and a full run's
/// tens of thousands of samples do not make the page megabytes long.
fn decimate(points: &[(f64, f64)], buckets: usize) -> Vec<(f64, f64)> {
    if points.len() <= 2 * buckets {
        return points.to_vec();
    }
    let per = points.len().div_ceil(buckets);
    let mut out = Vec::with_capacity(2 * buckets);
    for chunk in points.chunks(per) {
        let lo = chunk.iter().min_by(|a, b| a.1.total_cmp(&b.1));
        let hi = chunk.iter().max_by(|a, b| a.1.total_cmp(&b.1));
        if let (Some(lo), Some(hi)) = (lo, hi) {
            let (first, second) = if lo.0 <= hi.0 { (lo, hi) } else { (hi, lo) };
            out.push(*first);
            if second != first {
                out.push(*second);
            }
        }
    }
    out
}

/// Percentile as "nines": 90 % is 1, 99 % is 2, 99.9 % is 3.
fn nines(percentile: f64) -> f64 {
    -(1.0 - percentile.min(99.9999) / 100.0).log10()
}

/// The curve of one operation's latency against percentile: the file's
/// `percentiles` when present, else its p50, p99 and p99.9.
fn curve(s: &OpStats) -> Vec<(f64, f64)> {
    let points: Vec<(f64, u64)> = if s.percentiles.is_empty() {
        vec![(50.0, s.p50_ns), (99.0, s.p99_ns), (99.9, s.p999_ns)]
    } else {
        s.percentiles.clone()
    };
    points
        .into_iter()
        .map(|(p, ns)| (nines(p), (ns as f64).max(1.0)))
        .collect()
}

/// The latency tail of `op`, one line per scheme, percentile on a "nines" axis.
pub fn tail_curve(
    title: &str,
    results: &[&RunResult],
    op: &str,
    ids: &[String],
) -> Result<String, String> {
    let lines: Vec<(String, Vec<(f64, f64)>)> = ids
        .iter()
        .filter_map(|id| {
            let r = results.iter().find(|r| r.scheme == *id)?;
            Some((id.clone(), curve(r.ops.get(op)?)))
        })
        .collect();
    let legend = entries(ids, |id| lines.iter().any(|l| l.0 == id));
    let all = || lines.iter().flat_map(|l| l.1.iter());
    // 99.9 % is 3.0000000000000004 nines: round that back before the ceiling.
    let x_hi = (all().map(|p| p.0).fold(3.0, f64::max) - 1e-9).ceil();
    let lo = all().map(|p| p.1).fold(f64::MAX, f64::min);
    let hi = all().map(|p| p.1).fold(1.0, f64::max);

    svg(&legend, &[], |area| {
        if wants_log(lo, hi) {
            let (ylo, yhi) = log_bounds(lo, hi);
            let y_desc = "latency (log scale)";
            draw_tail(area, title, (ylo..yhi).log_scale(), y_desc, x_hi, &lines)
        } else {
            draw_tail(area, title, 0.0..hi * 1.1, "latency", x_hi, &lines)
        }
    })
}

fn draw_tail<Y>(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    title: &str,
    y: Y,
    y_desc: &str,
    x_hi: f64,
    lines: &[(String, Vec<(f64, f64)>)],
) -> DrawResult
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    // Ticks at 0 %, 90 %, 99 %, 99.9 %...: one per "nine".
    let ticks = (0..=x_hi as usize)
        .map(|k| {
            let p = 100.0 * (1.0 - 10f64.powi(-(k as i32)));
            let decimals = k.saturating_sub(2);
            (k as f64, format!("{p:.decimals$}%"))
        })
        .collect();
    let mut chart = ChartBuilder::on(area)
        .caption(title, title_style())
        .margin(10)
        .x_label_area_size(50)
        .y_label_area_size(90)
        .build_cartesian_2d(Ticks::new(0.0..x_hi, ticks), y)?;
    chart
        .configure_mesh()
        .light_line_style(super::LIGHT_GRID)
        .label_style(super::label_style())
        .axis_desc_style(super::label_style())
        .x_desc("percentile")
        .y_desc(y_desc)
        .y_label_formatter(&|v| duration_ns(*v))
        .draw()?;
    for (id, points) in lines {
        let colour = schemes::colour(id);
        chart.draw_series(LineSeries::new(
            points.iter().copied(),
            colour.stroke_width(2),
        ))?;
        chart.draw_series(points.iter().map(|p| Circle::new(*p, 3, colour.filled())))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{decimate, nines};

    #[test]
    fn decimation_bounds_the_points_and_keeps_the_peak() {
        let points: Vec<(f64, f64)> = (0..10_000).map(|i| (i as f64, (i % 97) as f64)).collect();
        let mut spiky = points.clone();
        spiky[5_001].1 = 1e6;
        let thin = decimate(&spiky, 400);
        assert!(thin.len() <= 800, "{} points", thin.len());
        assert!(thin.contains(&(5_001.0, 1e6)), "the peak was lost");
        assert!(thin.windows(2).all(|w| w[0].0 < w[1].0), "time order lost");
        assert_eq!(decimate(&points[..100], 400), points[..100].to_vec());
    }

    #[test]
    fn nines_axis() {
        // 99.99 % must not print as 100 %.
        let p = 100.0 * (1.0 - 10f64.powi(-4));
        assert_eq!(format!("{p:.2}%"), "99.99%");
        assert!((nines(90.0) - 1.0).abs() < 1e-9);
        assert!((nines(99.9) - 3.0).abs() < 1e-9);
        assert_eq!(nines(0.0), 0.0);
    }
}
