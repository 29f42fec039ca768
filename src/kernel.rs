//! `connbench kernel`: the temporary-watch patterns against the host kernel,
//! through inotify, written in the models' result format with scheme
//! `linux`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use connbench_workloads::kernel::{self, KernelError, Limits, Pattern, Plan, Progress};
use connbench_workloads::result::RunResult;

/// Options of `connbench kernel`.
#[derive(clap::Args)]
pub struct KernelArgs {
    /// Pattern to run (repeatable): temp-watch, indexer-scan. Default: both.
    #[arg(long = "pattern", value_name = "NAME", value_parser = parse_pattern)]
    patterns: Vec<Pattern>,
    /// Sizes that finish in seconds.
    #[arg(long)]
    quick: bool,
    /// Results go to a new subdirectory of DIR named by the run's UTC time.
    #[arg(long, value_name = "DIR", default_value = "results")]
    out: PathBuf,
}

fn parse_pattern(s: &str) -> Result<Pattern, KernelError> {
    s.parse()
}

/// Runs `connbench kernel`.
pub fn run(args: KernelArgs) -> anyhow::Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    // Relaxed: the flag only asks the run to stop; nothing is published.
    ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed))
        .context("installing the Ctrl-C handler")?;

    let patterns = match args.patterns.is_empty() {
        true => Pattern::ALL.to_vec(),
        false => args.patterns,
    };
    let out = args.out.join(run_id(SystemTime::now()));
    let limits = Limits::read();
    println!(
        "kernel: max_user_watches {}, max_user_instances {}, watches in use by this user {}",
        show(limits.max_user_watches),
        show(limits.max_user_instances),
        show(limits.watches_in_use),
    );

    let mut written = Vec::new();
    for pattern in patterns {
        let prepared = kernel::prepare(Plan::new(pattern, args.quick), limits.clone());
        for note in &prepared.notes {
            println!("kernel: {note}");
        }
        let mut progress = |p: Progress| {
            println!(
                "kernel: {}: {} {}/{}",
                pattern.name(),
                p.phase.name(),
                p.done,
                p.total
            )
        };
        let result = match kernel::run(&prepared, &stop, &mut progress) {
            Err(KernelError::Interrupted) => {
                println!("kernel: interrupted; watches and temporary files removed");
                std::process::exit(130);
            }
            other => other.with_context(|| format!("kernel run of {}", pattern.name()))?,
        };
        let path = result
            .write_atomic(&out)
            .with_context(|| format!("writing the result into {}", out.display()))?;
        summary(&result);
        println!("kernel: wrote {}", path.display());
        written.push(path);
    }
    println!(
        "kernel: {} result files in {}",
        written.len(),
        out.display()
    );
    Ok(())
}

fn show(n: Option<u64>) -> String {
    n.map_or_else(|| "unreadable".to_string(), |n| n.to_string())
}

/// The figures a reader compares first.
fn summary(r: &RunResult) {
    println!();
    println!(
        "{} on linux ({:.2} s, {:.0} ops/s)",
        r.scenario, r.duration_s, r.throughput_ops_per_s
    );
    println!(
        "  {:<14} {:>9} {:>9} {:>9} {:>9} {:>11}",
        "op", "count", "p50 ns", "p99 ns", "p99.9 ns", "max ns"
    );
    for (op, s) in &r.ops {
        println!(
            "  {:<14} {:>9} {:>9} {:>9} {:>9} {:>11}",
            op, s.count, s.p50_ns, s.p99_ns, s.p999_ns, s.max_ns
        );
    }
    if let Some(k) = &r.kernel {
        for (cache, counts) in &k.slab {
            let moments: Vec<String> = ["before", "watched", "peak", "removed", "settled"]
                .iter()
                .filter_map(|m| counts.get(*m).map(|n| format!("{m} {n}")))
                .collect();
            println!("  slab {cache}: {}", moments.join(", "));
        }
        if let Some(ms) = k.settle_ms {
            println!("  connector count stopped falling {ms:.0} ms after the last removal");
        }
        println!(
            "  connectors (slab rise over before): peak {}, left after settling {}{}",
            r.connectors.peak_live,
            r.connectors.live_at_end,
            if k.connector_cache_merged {
                " (merged cache: includes other objects)"
            } else {
                ""
            }
        );
    }
    for note in &r.notes {
        println!("  note: {note}");
    }
    println!(
        "  (a kernel operation is a system call with a path lookup; a model's is a function call)"
    );
}

/// A run id: the UTC time as `20261203T161500Z`.
fn run_id(now: SystemTime) -> String {
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn run_id_is_the_utc_time() {
        let t = UNIX_EPOCH + Duration::from_secs(1_796_314_500);
        assert_eq!(run_id(t), "20261203T161500Z");
        assert_eq!(
            run_id(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "20000229T000000Z"
        );
    }
}
