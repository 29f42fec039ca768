//! The trade-off at a glance: each scheme one point, the frontier ringed.

use plotters::coord::ranged1d::{AsRangedCoord, Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{entries, log_bounds, svg, title_style, wants_log, DrawResult};
use crate::schemes;
use crate::units::duration_ns;

/// Axis bounds that show differences without pretending they start at zero
/// when every value is far from it.
fn linear_bounds(lo: f64, hi: f64) -> (f64, f64) {
    if hi <= 0.0 {
        return (0.0, 1.0);
    }
    let span = (hi - lo).max(hi * 0.05);
    if lo > 0.5 * hi {
        ((lo - span * 0.3).max(0.0), hi + span * 0.3)
    } else {
        (0.0, hi * 1.15)
    }
}

/// One point per scheme at `(x, y)`; latency (ns) on y, lower is better on
/// both; schemes in `frontier` get a ring.
pub fn scatter(
    title: &str,
    x_desc: &str,
    x_format: &dyn Fn(f64) -> String,
    points: &[(String, f64, f64)],
    frontier: &[String],
    ids: &[String],
) -> Result<String, String> {
    let legend = entries(ids, |id| points.iter().any(|p| p.0 == id));
    let (xlo, xhi) = linear_bounds(
        points.iter().map(|p| p.1).fold(f64::MAX, f64::min),
        points.iter().map(|p| p.1).fold(0.0, f64::max),
    );
    let lo = points.iter().map(|p| p.2).fold(f64::MAX, f64::min);
    let hi = points.iter().map(|p| p.2).fold(0.0, f64::max);
    let note = [
        "ringed: no other scheme",
        "is lower on both axes",
        "(lower-left is better)",
    ];

    svg(&legend, &note, |area| {
        let ctx = Ctx {
            title,
            x_desc,
            x_format,
            points,
            frontier,
            x: (xlo, xhi),
        };
        if wants_log(lo, hi) {
            let (ylo, yhi) = log_bounds(lo, hi);
            draw(
                area,
                &ctx,
                (ylo..yhi).log_scale(),
                "p99 latency (log scale)",
            )
        } else {
            let (ylo, yhi) = linear_bounds(lo.min(hi), hi);
            draw(area, &ctx, ylo..yhi, "p99 latency")
        }
    })
}

struct Ctx<'a> {
    title: &'a str,
    x_desc: &'a str,
    x_format: &'a dyn Fn(f64) -> String,
    points: &'a [(String, f64, f64)],
    frontier: &'a [String],
    x: (f64, f64),
}

fn draw<Y>(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    ctx: &Ctx<'_>,
    y: Y,
    y_desc: &str,
) -> DrawResult
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let mut chart = ChartBuilder::on(area)
        .caption(ctx.title, title_style())
        .margin(10)
        .x_label_area_size(50)
        .y_label_area_size(90)
        .build_cartesian_2d(ctx.x.0..ctx.x.1, y)?;
    chart
        .configure_mesh()
        .light_line_style(super::LIGHT_GRID)
        .label_style(super::label_style())
        .axis_desc_style(super::label_style())
        .x_desc(ctx.x_desc)
        .y_desc(y_desc)
        .x_labels(6)
        .x_label_formatter(&|v| (ctx.x_format)(*v))
        .y_label_formatter(&|v| duration_ns(*v))
        .draw()?;
    for (id, x, y) in ctx.points {
        let colour = schemes::colour(id);
        if ctx.frontier.contains(id) {
            chart.draw_series([Circle::new((*x, *y), 10, BLACK.stroke_width(2))])?;
        }
        chart.draw_series([Circle::new((*x, *y), 6, colour.filled())])?;
        // The label sits beside the point, offset in pixels.
        let label = EmptyElement::at((*x, *y))
            + Text::new(id.clone(), (12, -14), ("sans-serif", 15).into_font());
        chart.draw_series([label])?;
    }
    Ok(())
}
