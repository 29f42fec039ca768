//! Finding and reading the result files of one run.
//!
//! # Where
//!
//! `connbench run` writes `results/<run-id>/<scenario>--<scheme>.json`. The
//! default run is the newest subdirectory of `results/` that holds a `.json`
//! file; a `results/` that holds result files itself is accepted as a run too.
//!
//! # What is left out
//!
//! Every `*.json` directly in the run directory is read with
//! [`RunResult::load`]. A file that fails (not JSON, another schema, missing
//! fields) or repeats a (scenario, scheme) pair already read is left out and
//! listed in [`RunSet::skipped`]; the report shows that list. Hidden files
//! (the runner's `.name.tmp` while it writes) are not results and are ignored.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use connbench_workloads::result::RunResult;

use crate::{schemes, ReportError};

/// The results of one run, in scenario then scheme order.
#[derive(Debug)]
pub struct RunSet {
    /// The directory they came from.
    pub dir: PathBuf,
    /// The results that loaded.
    pub results: Vec<RunResult>,
    /// The files left out, and why.
    pub skipped: Vec<Skipped>,
}

/// A file left out of the report.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why it was left out.
    pub reason: String,
}

impl RunSet {
    /// The scenarios, in the order they are first met in sorted results.
    pub fn scenarios(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in &self.results {
            if !out.contains(&r.scenario.as_str()) {
                out.push(&r.scenario);
            }
        }
        out
    }

    /// Every scheme of the run, in report order.
    pub fn schemes(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.results.iter().map(|r| r.scheme.clone()).collect();
        schemes::sort(&mut ids);
        ids
    }

    /// The results of one scenario, in scheme order.
    pub fn scenario(&self, name: &str) -> Vec<&RunResult> {
        self.results.iter().filter(|r| r.scenario == name).collect()
    }
}

/// Picks the run to report on under `root` (usually `results/`): its newest
/// subdirectory holding a `.json` file, else `root` itself.
pub fn newest_run(root: &Path) -> Result<PathBuf, ReportError> {
    let entries = fs::read_dir(root).map_err(|source| ReportError::ReadDir {
        dir: root.to_owned(),
        source,
    })?;
    let mut best: Option<(SystemTime, PathBuf)> = None;
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() || json_files(&path).map(|f| f.is_empty()).unwrap_or(true) {
            continue;
        }
        let modified = entry
            .metadata()
            .and_then(|m| m.modified())
            .unwrap_or(SystemTime::UNIX_EPOCH);
        // Equal times (coarse file systems) fall back to the later name: run
        // ids start with a timestamp.
        let newer = match &best {
            None => true,
            Some((t, p)) => (modified, &path) > (*t, p),
        };
        if newer {
            best = Some((modified, path));
        }
    }
    Ok(best.map(|(_, p)| p).unwrap_or_else(|| root.to_owned()))
}

/// The `*.json` files directly in `dir`, hidden ones excluded, sorted by name.
fn json_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            p.is_file() && name.ends_with(".json") && !name.starts_with('.')
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Reads every result file of the run in `dir`.
///
/// Fails when `dir` cannot be read or holds no result that loads; a bad file
/// among good ones is skipped and listed instead.
pub fn load_dir(dir: &Path) -> Result<RunSet, ReportError> {
    let files = json_files(dir).map_err(|source| ReportError::ReadDir {
        dir: dir.to_owned(),
        source,
    })?;

    let mut results: Vec<RunResult> = Vec::new();
    let mut skipped = Vec::new();
    for path in files {
        match RunResult::load(&path) {
            Ok(r) => {
                let dup = results
                    .iter()
                    .any(|o| o.scenario == r.scenario && o.scheme == r.scheme);
                if dup {
                    skipped.push(Skipped {
                        reason: format!(
                            "a second result for scenario `{}`, scheme `{}`; the first was kept",
                            r.scenario, r.scheme
                        ),
                        path,
                    });
                } else {
                    results.push(r);
                }
            }
            Err(e) => skipped.push(Skipped {
                reason: reason_of(&e, &path),
                path,
            }),
        }
    }

    if results.is_empty() {
        return Err(ReportError::NoResults {
            dir: dir.to_owned(),
            skipped: skipped.len(),
        });
    }

    // The shipped scenarios in the order the suite lists them, others after
    // by name; schemes in report order within each.
    results.sort_by(|a, b| {
        scenario_rank(&a.scenario)
            .cmp(&scenario_rank(&b.scenario))
            .then_with(|| a.scenario.cmp(&b.scenario))
            .then_with(|| schemes::cmp(&a.scheme, &b.scheme))
    });
    Ok(RunSet {
        dir: dir.to_owned(),
        results,
        skipped,
    })
}

/// The shipped scenarios, in the order the suite documents them.
const SHIPPED: [&str; 7] = [
    "temp-watch",
    "indexer-scan",
    "event-storm",
    "stalled-reader",
    "oversubscribed",
    "inode-eviction",
    "multi-group",
];

fn scenario_rank(name: &str) -> usize {
    SHIPPED
        .iter()
        .position(|s| *s == name)
        .unwrap_or(SHIPPED.len())
}

/// The load error without the path it starts with (the path is shown apart).
fn reason_of(e: &connbench_workloads::result::ResultError, path: &Path) -> String {
    let text = e.to_string();
    let prefix = format!("{}: ", path.display());
    text.strip_prefix(&prefix).unwrap_or(&text).to_string()
}
