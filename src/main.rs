//! `connbench`: which memory-reclamation scheme should free a small
//! per-object structure that is attached only temporarily?

mod run;

use clap::{Parser, Subcommand};

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
    /// Run scenarios over schemes and write one JSON result per pair.
    Run(run::RunArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::List => list(),
        Command::Run(args) => run::run(args)?,
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
