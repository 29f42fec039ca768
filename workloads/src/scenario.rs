//! Scenario files: the TOML format, its checks, and the validated [`Scenario`].
//!
//! # Format
//!
//! Every key is documented in `workloads/README.md`. Reading is two steps:
//! serde turns the text into the `*File` structs (unknown keys and wrong types
//! are refused there, with the key's path from `serde_path_to_error`), then
//! [`ScenarioFile::validate`] refuses impossible values and resolves the
//! overrides of the command line (`--quick`, `--threads`).
//!
//! # Errors
//!
//! Every error is one line naming the file, the key, and what was expected;
//! nothing here panics on any input.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::shipped;

mod validate;

/// The inotify event bits the scenarios name, in the kernel's values.
pub const EVENT_NAMES: [(&str, u32); 10] = [
    ("access", 0x001),
    ("modify", 0x002),
    ("attrib", 0x004),
    ("close_write", 0x008),
    ("close_nowrite", 0x010),
    ("open", 0x020),
    ("moved_from", 0x040),
    ("moved_to", 0x080),
    ("create", 0x100),
    ("delete", 0x200),
];

/// The most worker threads a scenario may ask for.
pub const MAX_THREADS: u64 = 512;
/// The most inodes a scenario may ask for (the table takes tens of bytes each).
pub const MAX_INODES: u32 = 20_000_000;

/// Why a scenario could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A key is unknown, has the wrong type or an impossible value.
    #[error("{file}: `{key}`: {expected}")]
    Invalid {
        /// The file, with `:line` when known.
        file: String,
        /// The key's path (`roles[1].threads`).
        key: String,
        /// What is wrong and what was expected.
        expected: String,
    },
    /// A name that is neither a shipped scenario nor a file.
    #[error("unknown scenario `{name}`: not a file and not a shipped scenario ({known})")]
    Unknown {
        /// The name given.
        name: String,
        /// The shipped names.
        known: String,
    },
}

/// Changes the command line makes to a scenario before it is checked.
#[derive(Clone, Copy, Debug, Default)]
pub struct Overrides {
    /// Cut the scenario to its `[quick]` size.
    pub quick: bool,
    /// Threads for every watcher and reader role.
    pub threads: Option<u32>,
    /// CPUs to resolve `threads_per_cpu` against; `None` asks the OS.
    pub cpus: Option<u32>,
}

/// A scenario file as written.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    name: Option<String>,
    description: Option<String>,
    seed: u64,
    objects: ObjectsFile,
    groups: Vec<GroupSpec>,
    watch: WatchFile,
    events: EventsFile,
    run: RunFile,
    quick: Option<QuickFile>,
    roles: Vec<RoleFile>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectsFile {
    inodes: u32,
    #[serde(default)]
    mounts: u32,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WatchFile {
    mask: Vec<String>,
    lifetime_events: Option<u32>,
    lifetime_us: Option<u64>,
    #[serde(default)]
    long_lived: u32,
    #[serde(default)]
    long_lived_mounts: u32,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsFile {
    mix: BTreeMap<String, u32>,
    #[serde(default)]
    mount_share: f64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunFile {
    duration_ms: Option<u64>,
    cycles: Option<u64>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuickFile {
    duration_ms: Option<u64>,
    cycles: Option<u64>,
    inodes: Option<u32>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleFile {
    kind: RoleKind,
    threads: Option<u32>,
    threads_per_cpu: Option<u32>,
    pick: Option<Pick>,
    stall: Option<String>,
    pause_us: Option<u64>,
}

/// A group of listeners.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GroupSpec {
    /// A name for the reader of the file.
    pub name: String,
    /// Lower priorities come first on a connector's list.
    pub priority: u32,
}

/// What a thread does.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RoleKind {
    /// Adds a watch, keeps it for the watch's lifetime, removes it; repeats.
    Watcher,
    /// Delivers events to random inodes.
    Reader,
    /// Sits inside a read-side section, leaving it every `stall`.
    StalledReader,
    /// Evicts random inodes.
    Evictor,
}

/// How a watcher chooses the next inode.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Pick {
    /// Uniformly at random.
    Random,
    /// In order, each thread taking every n-th inode, like a tree walk.
    Sequential,
}

/// How long a stalled reader stays inside its section before it leaves and
/// re-enters.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Stall {
    /// Leaves every so many milliseconds.
    Ms(u64),
    /// Leaves only when the run ends.
    Never,
}

/// How long a temporary watch lives.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Lifetime {
    /// While the watcher delivers this many events to the inode itself.
    Events(u32),
    /// This many microseconds.
    Micros(u64),
}

/// One event of the mix.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct EventWeight {
    /// The event's name.
    pub name: String,
    /// Its inotify bit.
    pub mask: u32,
    /// Its weight among the others.
    pub weight: u32,
}

/// One role, resolved.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Role {
    /// What its threads do.
    pub kind: RoleKind,
    /// How many threads.
    pub threads: u32,
    /// Watchers: how the next inode is chosen.
    pub pick: Pick,
    /// Stalled readers: how long a section lasts.
    pub stall: Stall,
    /// Evictors: pause between evictions, in microseconds.
    pub pause_us: u64,
}

/// A checked scenario, with the overrides applied: what the driver runs and
/// what a result's `params` records.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Scenario {
    /// The name results are filed under.
    pub name: String,
    /// One line on what it stands for.
    pub description: String,
    /// Seeds every random choice.
    pub seed: u64,
    /// Inodes in the table.
    pub inodes: u32,
    /// Mounts in the table.
    pub mounts: u32,
    /// The groups, in file order.
    pub groups: Vec<GroupSpec>,
    /// The mask every watch asks for.
    pub watch_mask: u32,
    /// How long a temporary watch lives.
    pub lifetime: Lifetime,
    /// Inodes `0..long_lived` every group watches for the whole run.
    pub long_lived: u32,
    /// Mounts `0..long_lived_mounts` every group watches for the whole run.
    pub long_lived_mounts: u32,
    /// The events readers and watchers deliver, with their weights.
    pub event_mix: Vec<EventWeight>,
    /// The share of events also delivered to a random mount.
    pub mount_share: f64,
    /// Stop after this long, if set.
    pub duration_ms: Option<u64>,
    /// Stop once every watcher thread has done this many watch cycles, if set.
    pub cycles: Option<u64>,
    /// The thread roles.
    pub roles: Vec<Role>,
    /// Whether this is the `--quick` cut.
    pub quick: bool,
}

impl Scenario {
    /// Reads a scenario from a shipped name or a file path.
    pub fn find(name_or_path: &str, overrides: Overrides) -> Result<Scenario, ScenarioError> {
        if let Some((file, text)) = shipped::lookup(name_or_path) {
            let mut scenario = Scenario::parse(text, &file, overrides)?;
            if scenario.name.is_empty() {
                scenario.name = name_or_path.to_owned();
            }
            return Ok(scenario);
        }
        let path = Path::new(name_or_path);
        if path.exists() || name_or_path.ends_with(".toml") {
            return Scenario::load(path, overrides);
        }
        Err(ScenarioError::Unknown {
            name: name_or_path.to_owned(),
            known: shipped::names().collect::<Vec<_>>().join(", "),
        })
    }

    /// Reads a scenario file.
    pub fn load(path: &Path, overrides: Overrides) -> Result<Scenario, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            file: file.clone(),
            source,
        })?;
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("scenario");
        let mut scenario = Scenario::parse(&text, &file, overrides)?;
        if scenario.name.is_empty() {
            scenario.name = stem.to_owned();
        }
        Ok(scenario)
    }

    /// Parses and checks the text of a scenario; `file` names it in errors.
    pub fn parse(text: &str, file: &str, overrides: Overrides) -> Result<Scenario, ScenarioError> {
        let parsed: ScenarioFile = deserialize(text, file)?;
        parsed.validate(file, overrides)
    }

    /// Total worker threads.
    pub fn threads(&self) -> u32 {
        self.roles.iter().map(|r| r.threads).sum()
    }
}

fn deserialize(text: &str, file: &str) -> Result<ScenarioFile, ScenarioError> {
    let line_of = |span: Option<std::ops::Range<usize>>| match span {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("{file}:{line}")
        }
        None => file.to_owned(),
    };
    let one_line = |message: &str| message.trim().replace('\n', "; ");

    let de = toml::Deserializer::parse(text).map_err(|e| ScenarioError::Invalid {
        file: line_of(e.span()),
        key: "(syntax)".into(),
        expected: one_line(e.message()),
    })?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        ScenarioError::Invalid {
            file: line_of(inner.span()),
            key: if path == "." {
                "(top level)".into()
            } else {
                path
            },
            expected: one_line(inner.message()),
        }
    })
}

/// Logical CPUs available to the process.
pub fn available_cpus() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
}
