//! The connbench report: charts, tables and a decision, from the result files
//! of one run.
//!
//! # Input
//!
//! The result files `connbench run` and `connbench kernel` write, in the
//! format of [`connbench_workloads::result`], read by [`load_dir`]; bad files
//! are left out and listed, never fatal unless nothing is left.
//!
//! # Output
//!
//! [`render`] gives one of three texts and the warnings met on the way:
//!
//! - a self-contained HTML page: charts inlined as SVG drawn with plotters,
//!   no script, no font and nothing else fetched from anywhere;
//! - CSV, one row per scenario, scheme and figure;
//! - Bencher Metric Format JSON, for continuous-benchmarking dashboards.
//!
//! The library never prints or writes files; the `connbench report` command
//! does.
//!
//! # Deciding
//!
//! [`decide`] judges each scenario on latency, memory and allocations and
//! ranks the schemes under weights the reader chooses; its module docs say
//! exactly how, and the page repeats it.

#![deny(unsafe_op_in_unsafe_fn)]

mod charts;
pub mod decide;
mod export;
pub mod figures;
mod html;
pub mod load;
pub mod schemes;
mod tradeoffs;
pub mod units;

use std::path::PathBuf;
use std::str::FromStr;

pub use decide::{decide, Decision, Weights};
pub use load::{load_dir, newest_run, RunSet, Skipped};

/// Why no report could be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The run directory could not be listed.
    #[error("{dir}: cannot read the directory")]
    ReadDir {
        /// The directory.
        dir: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// Nothing in the directory loaded.
    #[error(
        "{dir}: no result files to report on ({skipped} file(s) left out as unreadable); \
         expected <scenario>--<scheme>.json files written by `connbench run`"
    )]
    NoResults {
        /// The directory.
        dir: PathBuf,
        /// How many `.json` files failed to load.
        skipped: usize,
    },
    /// `--weights` could not be read.
    #[error("--weights `{text}`: {reason}")]
    Weights {
        /// What was given.
        text: String,
        /// What is wrong and what was expected.
        reason: String,
    },
    /// `--format` named no known format.
    #[error("--format `{0}`: expected html, csv or bmf")]
    Format(String),
}

/// What [`render`] produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A self-contained HTML page.
    Html,
    /// CSV: scenario, scheme, figure, unit, better, value.
    Csv,
    /// Bencher Metric Format JSON.
    Bmf,
}

impl FromStr for Format {
    type Err = ReportError;

    fn from_str(s: &str) -> Result<Self, ReportError> {
        match s {
            "html" => Ok(Format::Html),
            "csv" => Ok(Format::Csv),
            "bmf" => Ok(Format::Bmf),
            other => Err(ReportError::Format(other.to_string())),
        }
    }
}

/// A rendered report and what went wrong on the way.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// The HTML, CSV or JSON text.
    pub text: String,
    /// Files left out and charts that could not be drawn, one line each.
    pub warnings: Vec<String>,
}

/// Renders the results of one run.
pub fn render(set: &RunSet, format: Format, weights: &Weights) -> Rendered {
    let mut warnings: Vec<String> = set
        .skipped
        .iter()
        .map(|s| format!("{}: left out: {}", s.path.display(), s.reason))
        .collect();
    let text = match format {
        Format::Html => {
            let decision = decide(set, weights);
            html::page(set, &decision, &mut warnings)
        }
        Format::Csv => export::csv(set),
        Format::Bmf => export::bmf(set),
    };
    Rendered { text, warnings }
}
