//! `connbench`: which memory-reclamation scheme should free a small
//! per-object structure that is attached only temporarily?

use clap::{Parser, Subcommand};

mod kernel;
mod report;

#[derive(Parser)]
#[command(name = "connbench", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the reclamation schemes, one line each.
    List,
    /// Render a run's results as an HTML report (or CSV, or BMF JSON).
    Report(report::ReportArgs),
    /// Run the temporary-watch patterns against the host kernel through inotify.
    Kernel(kernel::KernelArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::List => list(),
        Command::Report(args) => report::report(&args)?,
        Command::Kernel(args) => kernel::run(args)?,
    }
    Ok(())
}

fn list() {
    let width = connbench_impls::SCHEMES
        .iter()
        .map(|s| s.id.len())
        .max()
        .unwrap_or(0);
    for scheme in connbench_impls::SCHEMES {
        println!("{:width$}  {}", scheme.id, scheme.description);
    }
}
