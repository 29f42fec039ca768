//! `connbench report`: renders the results of one run as HTML, CSV or BMF.
//!
//! The library (`connbench-reports`) returns the text and its warnings; this
//! command picks the run, prints the warnings to stderr and writes the file.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use connbench_reports::{Format, Weights};

/// Where `connbench run` writes its runs.
pub const RESULTS_ROOT: &str = "results";

/// Where the HTML report goes by default.
pub const DEFAULT_HTML: &str = "reports/index.html";

/// The output formats.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FormatArg {
    /// A self-contained HTML page with charts.
    Html,
    /// CSV, one row per scenario, scheme and figure.
    Csv,
    /// Bencher Metric Format JSON.
    Bmf,
}

/// Options of `connbench report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The run's directory of result files [default: the newest run under results/]
    pub dir: Option<PathBuf>,
    /// Output file; `-` for stdout [default: reports/index.html for html, stdout otherwise]
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "html")]
    pub format: FormatArg,
    /// Ranking weights, e.g. latency=2,memory=1,alloc=0 (unnamed axes weigh 1).
    #[arg(long, default_value = "latency=1,memory=1,alloc=1")]
    pub weights: String,
}

/// Runs `connbench report`.
pub fn report(args: &ReportArgs) -> anyhow::Result<()> {
    let weights: Weights = args.weights.parse()?;
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => connbench_reports::newest_run(Path::new(RESULTS_ROOT))
            .context("no run given and none found under results/ (run `connbench run` first)")?,
    };
    let format = match args.format {
        FormatArg::Html => Format::Html,
        FormatArg::Csv => Format::Csv,
        FormatArg::Bmf => Format::Bmf,
    };
    let output = args.output.clone().or_else(|| match format {
        Format::Html => Some(PathBuf::from(DEFAULT_HTML)),
        Format::Csv | Format::Bmf => None,
    });
    write_report(&dir, format, &weights, output.as_deref())
}

/// Renders the run in `dir` and writes it to `output` (stdout for `None` or
/// `-`). Also called at the end of `connbench run`.
pub fn write_report(
    dir: &Path,
    format: Format,
    weights: &Weights,
    output: Option<&Path>,
) -> anyhow::Result<()> {
    let set = connbench_reports::load_dir(dir)?;
    let rendered = connbench_reports::render(&set, format, weights);
    for warning in &rendered.warnings {
        eprintln!("warning: {warning}");
    }

    match output {
        Some(path) if path != Path::new("-") => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                fs::create_dir_all(parent).with_context(|| {
                    format!("{}: cannot create the directory", parent.display())
                })?;
            }
            fs::write(path, &rendered.text)
                .with_context(|| format!("{}: cannot write the report", path.display()))?;
            eprintln!(
                "report: {} results from {} -> {}",
                set.results.len(),
                dir.display(),
                path.display()
            );
        }
        _ => std::io::stdout()
            .write_all(rendered.text.as_bytes())
            .context("cannot write the report to stdout")?,
    }
    Ok(())
}
