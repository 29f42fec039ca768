//! `connbench run`: every chosen scenario over every chosen scheme, one JSON
//! result per pair, and a summary table.
//!
//! # Output
//!
//! On a terminal, one progress bar per scenario; otherwise one plain line per
//! finished pair. Results are written through a temporary file and a rename,
//! so an interrupted run leaves whole files only. Ctrl-C stops after the pair
//! that is running; a second Ctrl-C exits at once.

mod alloc;
mod table;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::Context;
use connbench_impls::{Scheme, SchemeVisitor, SCHEMES};
use connbench_workloads::measure::MemoryProbe;
use connbench_workloads::{shipped, Overrides, RunOptions, RunResult, Scenario};
use indicatif::{ProgressBar, ProgressStyle};

/// Options of `connbench run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// A shipped scenario's name or a scenario file; repeatable. Default: every
    /// shipped scenario.
    #[arg(long = "scenario", value_name = "NAME|PATH")]
    scenarios: Vec<String>,
    /// A scheme id; repeatable. Default: every scheme.
    #[arg(long = "scheme", value_name = "ID")]
    schemes: Vec<String>,
    /// Cut every scenario to a size that finishes in a fraction of a second.
    #[arg(long)]
    quick: bool,
    /// Threads for every watcher and reader role.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=256))]
    threads: Option<u32>,
    /// Results go to a new subdirectory of DIR named by the run's UTC time.
    #[arg(long, value_name = "DIR", default_value = "results")]
    out: PathBuf,
    /// Where the HTML report of the run is written at its end.
    #[arg(long, value_name = "FILE", default_value = crate::report::DEFAULT_HTML)]
    report: PathBuf,
    /// Write no report at the end (`connbench report` can make it later).
    #[arg(long, conflicts_with = "report")]
    no_report: bool,
    /// Do not sample memory every millisecond (peaks then come from the start
    /// and end of each run only).
    #[arg(long)]
    no_sampler: bool,
}

/// Runs `connbench run`. An error is printed as one line (its causes joined
/// by `: `, never a backtrace) and exits with status 2.
pub fn run(args: RunArgs) -> anyhow::Result<()> {
    run_pairs(args).map_err(|err| {
        eprintln!("error: {err:#}");
        std::process::exit(2)
    })
}

fn run_pairs(args: RunArgs) -> anyhow::Result<()> {
    // Check every scenario and scheme before running anything.
    let overrides = Overrides {
        quick: args.quick,
        threads: args.threads,
        cpus: None,
    };
    let names: Vec<String> = if args.scenarios.is_empty() {
        shipped::names().map(str::to_owned).collect()
    } else {
        args.scenarios.clone()
    };
    let scenarios = (names.iter())
        .map(|name| Scenario::find(name, overrides))
        .collect::<Result<Vec<_>, _>>()?;
    let schemes: Vec<&str> = if args.schemes.is_empty() {
        SCHEMES.iter().map(|s| s.id).collect()
    } else {
        args.schemes.iter().map(String::as_str).collect()
    };
    for id in &schemes {
        if !SCHEMES.iter().any(|s| s.id == *id) {
            anyhow::bail!("{}", connbench_impls::UnknownScheme((*id).to_owned()));
        }
    }

    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let interrupted = interrupted.clone();
        // Relaxed: the flag is only polled between pairs.
        ctrlc::set_handler(move || {
            if interrupted.swap(true, Ordering::Relaxed) {
                std::process::exit(130);
            }
        })
        .context("installing the Ctrl-C handler")?;
    }

    let run_dir = crate::run_id::new_run_dir(&args.out);
    let probe = alloc::Probe::new();
    let terminal = std::io::stderr().is_terminal();
    let mut results = Vec::new();
    'scenarios: for scenario in &scenarios {
        let bar = terminal.then(|| new_bar(scenario, schemes.len()));
        for (i, scheme) in schemes.iter().enumerate() {
            if interrupted.load(Ordering::Relaxed) {
                eprintln!("interrupted: stopping after the finished pairs");
                break 'scenarios;
            }
            if let Some(bar) = &bar {
                bar.set_message(scheme.to_string());
                bar.set_position(i as u64 * 1000);
            }
            let mut progress = |done: f64| {
                if let Some(bar) = &bar {
                    bar.set_position(i as u64 * 1000 + (done * 1000.0) as u64);
                }
            };
            let pair = Pair {
                scenario,
                out: &run_dir,
                options: RunOptions {
                    sampler: !args.no_sampler,
                    memory: probe.as_ref().map(|p| p as &dyn MemoryProbe),
                    progress: Some(&mut progress),
                },
            };
            let result = connbench_impls::visit(scheme, pair)?;
            let path = (result.write_atomic(&run_dir))
                .with_context(|| format!("writing the result into {}", run_dir.display()))?;
            let line = format!(
                "{:<16} {:<10} {:>6.2} s {:>9.3} Mops/s  -> {}",
                result.scenario,
                result.scheme,
                result.duration_s,
                result.throughput_ops_per_s / 1e6,
                path.display()
            );
            match &bar {
                Some(bar) => bar.println(line),
                None => println!("{line}"),
            }
            results.push(result);
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
    }

    println!("{}", table::render(&results));
    if let Some(line) = table::harness_line(&results) {
        println!("{line}");
    }
    // The report covers what finished, also after an interruption; a report
    // that cannot be made leaves the results as they are.
    if !args.no_report && !results.is_empty() {
        let weights = connbench_reports::Weights::default();
        let html = connbench_reports::Format::Html;
        crate::report::write_report(&run_dir, html, &weights, Some(&args.report))
            .context("the results are written, but the report could not be")?;
    }
    if interrupted.load(Ordering::Relaxed) {
        // The convention for a run stopped by SIGINT, so scripts can tell.
        std::process::exit(130);
    }
    Ok(())
}

fn new_bar(scenario: &Scenario, schemes: usize) -> ProgressBar {
    let bar = ProgressBar::new(schemes as u64 * 1000);
    let style = ProgressStyle::with_template("{prefix:>16} [{bar:30}] {msg:<10} {elapsed}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(scenario.name.clone());
    bar
}

/// One (scenario, scheme) pair, run generically over the scheme `visit` picks.
struct Pair<'a> {
    scenario: &'a Scenario,
    out: &'a Path,
    options: RunOptions<'a>,
}

impl SchemeVisitor for Pair<'_> {
    type Output = RunResult;

    fn visit<S: Scheme>(self) -> RunResult {
        #[cfg(feature = "dhat-heap")]
        let _profiler = {
            let _ = std::fs::create_dir_all(self.out);
            let file = format!("{}--{}.dhat-heap.json", self.scenario.name, S::ID);
            dhat::Profiler::builder()
                .file_name(self.out.join(file))
                .build()
        };
        #[cfg(not(feature = "dhat-heap"))]
        let _ = self.out;
        connbench_workloads::run::<S>(self.scenario, self.options)
    }
}
