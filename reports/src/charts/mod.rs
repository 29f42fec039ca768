//! The charts, drawn with plotters into SVG strings that the page inlines.
//!
//! # Conventions
//!
//! Every chart has a title, axes with units, and a legend strip on its right
//! that lists every scheme of the scenario in report order, in its fixed
//! colour, with "no data" beside a scheme the chart cannot show (the kernel has
//! no allocator counts), so a reader never wonders where a scheme went.
//!
//! # Text
//!
//! Without font-kit plotters only estimates text widths; the SVG leaves the
//! face to the browser's sans-serif. Labels are kept short so the estimate
//! does not matter.

mod bars;
mod lines;
mod scatter;

pub use bars::{latency_bars, value_bars};
pub use lines::{tail_curve, timeline, TimelineSeries};
pub use scatter::scatter;

use std::ops::Range;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::schemes;

/// Width of a chart, legend included, in SVG pixels.
pub const WIDTH: u32 = 720;
/// Height of a chart.
pub const HEIGHT: u32 = 380;
/// Width of the legend strip on the right.
const LEGEND_WIDTH: u32 = 150;

/// What went wrong drawing a chart (plotters' own error, as text).
pub type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// The minor grid lines: barely there, so the data stands out.
pub const LIGHT_GRID: RGBColor = RGBColor(0xf4, 0xf4, 0xf4);

/// A scheme in a chart's legend.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The scheme's id.
    pub id: String,
    /// Whether the chart shows something for it.
    pub has_data: bool,
}

/// The legend of a chart over `ids`, with `has_data` telling which it shows.
pub fn entries(ids: &[String], has_data: impl Fn(&str) -> bool) -> Vec<Entry> {
    ids.iter()
        .map(|id| Entry {
            id: id.clone(),
            has_data: has_data(id),
        })
        .collect()
}

/// Draws one chart into an SVG string: `draw` gets the plotting area left of
/// the legend.
pub fn svg<F>(legend: &[Entry], legend_note: &[&str], draw: F) -> Result<String, String>
where
    F: FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> DrawResult,
{
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let (plot, side) = root.split_horizontally(WIDTH - LEGEND_WIDTH);
        draw(&plot).map_err(|e| e.to_string())?;
        draw_legend(&side, legend, legend_note).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

fn draw_legend(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    entries: &[Entry],
    note: &[&str],
) -> DrawResult {
    let font = ("sans-serif", 16).into_font();
    let mut y = 40;
    for e in entries {
        let colour = schemes::colour(&e.id);
        area.draw(&Rectangle::new([(8, y - 9), (22, y + 3)], colour.filled()))?;
        let label = if e.has_data {
            e.id.clone()
        } else {
            format!("{} (no data)", e.id)
        };
        let style = if e.has_data {
            font.color(&BLACK)
        } else {
            font.color(&RGBColor(0x88, 0x88, 0x88))
        };
        area.draw(&Text::new(label, (28, y - 8), style))?;
        y += 22;
    }
    y += 6;
    for line in note {
        area.draw(&Text::new(
            line.to_string(),
            (8, y - 8),
            ("sans-serif", 13)
                .into_font()
                .color(&RGBColor(0x55, 0x55, 0x55)),
        ))?;
        y += 17;
    }
    Ok(())
}

// NOTE: plotters' SVG backend writes text at about 1/1.24 of the size asked
// for, so these sizes are asked for larger than they show.

/// The style of a chart's title.
pub fn title_style() -> TextStyle<'static> {
    ("sans-serif", 22).into_font().into()
}

/// The style of tick labels and axis descriptions.
pub fn label_style() -> TextStyle<'static> {
    ("sans-serif", 15).into_font().into()
}

/// Whether values spread so far that a log axis reads better.
pub fn wants_log(lo: f64, hi: f64) -> bool {
    lo > 0.0 && hi / lo > 30.0
}

/// Bounds for a log axis around positive values: whole decades.
pub fn log_bounds(lo: f64, hi: f64) -> (f64, f64) {
    let lo = 10f64.powf(lo.max(1e-9).log10().floor());
    let hi = 10f64.powf(hi.max(lo * 10.0).log10().ceil());
    (lo, hi)
}

/// A scale for a byte axis: divisor and unit name, chosen from the largest value.
pub fn byte_scale(max: f64) -> (f64, &'static str) {
    if max >= 1024.0 * 1024.0 * 1024.0 {
        (1024.0 * 1024.0 * 1024.0, "GiB")
    } else if max >= 1024.0 * 1024.0 {
        (1024.0 * 1024.0, "MiB")
    } else if max >= 1024.0 {
        (1024.0, "KiB")
    } else {
        (1.0, "B")
    }
}

/// Short tick label for a number.
pub fn tick(v: f64) -> String {
    crate::units::si(v)
}

/// A linear f64 axis whose ticks sit at given points with given labels: the
/// centres of categories (schemes, operations), or percentiles on a "nines"
/// axis. plotters' own key-point combinator cannot format f64 labels.
pub struct Ticks {
    range: Range<f64>,
    ticks: Vec<(f64, String)>,
}

impl Ticks {
    /// An axis over `range` with a labelled tick at each point.
    pub fn new(range: Range<f64>, ticks: Vec<(f64, String)>) -> Ticks {
        Ticks { range, ticks }
    }

    /// `n` categories on `0..n`, labels at `i + 0.5`.
    pub fn categories(names: &[String]) -> Ticks {
        let ticks = names
            .iter()
            .enumerate()
            .map(|(i, name)| (i as f64 + 0.5, name.clone()))
            .collect();
        Ticks::new(0.0..names.len().max(1) as f64, ticks)
    }
}

impl Ranged for Ticks {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        let frac = if span > 0.0 {
            (v - self.range.start) / span
        } else {
            0.0
        };
        limit.0 + (frac * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        self.ticks.iter().map(|t| t.0).collect()
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

impl ValueFormatter<f64> for Ticks {
    fn format_ext(&self, value: &f64) -> String {
        self.ticks
            .iter()
            .find(|t| (t.0 - value).abs() < 1e-9)
            .map(|t| t.1.clone())
            .unwrap_or_default()
    }
}
