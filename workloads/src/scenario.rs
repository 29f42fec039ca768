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

impl ScenarioFile {
    /// Checks the values and applies the overrides.
    pub fn validate(self, file: &str, overrides: Overrides) -> Result<Scenario, ScenarioError> {
        let invalid = |key: &str, expected: String| ScenarioError::Invalid {
            file: file.to_owned(),
            key: key.to_owned(),
            expected,
        };
        let quick = if overrides.quick {
            self.quick.clone()
        } else {
            None
        };

        // Sizes, with the quick cut applied first so that the cut is checked too.
        let mut inodes = self.objects.inodes;
        let mut duration_ms = self.run.duration_ms;
        let mut cycles = self.run.cycles;
        if overrides.quick {
            let q = quick.unwrap_or(QuickFile {
                duration_ms: None,
                cycles: None,
                inodes: None,
            });
            inodes = q.inodes.unwrap_or(inodes);
            duration_ms = duration_ms.map(|d| q.duration_ms.unwrap_or(d.min(300)));
            cycles = cycles.map(|c| q.cycles.unwrap_or(c));
        }
        if inodes > MAX_INODES {
            let expected = format!("{inodes} inodes: expected at most {MAX_INODES}");
            return Err(invalid("objects.inodes", expected));
        }
        if self.objects.mounts > MAX_INODES {
            let expected = format!(
                "{} mounts: expected at most {MAX_INODES}",
                self.objects.mounts
            );
            return Err(invalid("objects.mounts", expected));
        }
        if inodes == 0 {
            return Err(invalid(
                "objects.inodes",
                "expected at least 1 inode, got 0".into(),
            ));
        }
        let mounts = self.objects.mounts;
        if duration_ms.is_none() && cycles.is_none() {
            return Err(invalid(
                "run",
                "expected `duration_ms` or `cycles` (or both)".into(),
            ));
        }
        if duration_ms == Some(0) {
            return Err(invalid(
                "run.duration_ms",
                "expected a duration above 0 ms".into(),
            ));
        }
        if cycles == Some(0) {
            return Err(invalid("run.cycles", "expected at least 1 cycle".into()));
        }

        // Groups.
        if self.groups.is_empty() {
            return Err(invalid(
                "groups",
                "expected at least one [[groups]] entry".into(),
            ));
        }

        // The watch.
        let watch_mask = mask_of(&self.watch.mask)
            .map_err(|e| invalid("watch.mask", e))?
            .ok_or_else(|| invalid("watch.mask", "expected at least one event name".into()))?;
        let lifetime = match (self.watch.lifetime_events, self.watch.lifetime_us) {
            (Some(n), None) => Lifetime::Events(n),
            (None, Some(us)) if us > 0 => Lifetime::Micros(us),
            (None, Some(_)) => {
                return Err(invalid("watch.lifetime_us", "expected above 0".into()));
            }
            _ => {
                let expected = "expected exactly one of `lifetime_events` and `lifetime_us`";
                return Err(invalid("watch", expected.into()));
            }
        };
        if let (Lifetime::Micros(us), Some(ms)) = (lifetime, duration_ms) {
            if us >= ms.saturating_mul(1000) {
                let expected = format!(
                    "a watch of {us} us outlives the run of {ms} ms: expected under {} us",
                    ms * 1000
                );
                return Err(invalid("watch.lifetime_us", expected));
            }
        }
        if self.watch.long_lived > inodes {
            let expected = format!("expected at most the {inodes} inodes");
            return Err(invalid("watch.long_lived", expected));
        }
        if self.watch.long_lived_mounts > mounts {
            let expected = format!("expected at most the {mounts} mounts");
            return Err(invalid("watch.long_lived_mounts", expected));
        }

        // The event mix.
        let mut event_mix = Vec::new();
        for (name, &weight) in &self.events.mix {
            let Some(&(_, bit)) = EVENT_NAMES.iter().find(|(n, _)| n == name) else {
                let key = format!("events.mix.{name}");
                return Err(invalid(
                    &key,
                    format!("unknown event; expected one of {}", names()),
                ));
            };
            if weight > 0 {
                event_mix.push(EventWeight {
                    name: name.clone(),
                    mask: bit,
                    weight,
                });
            }
        }
        if event_mix.is_empty() {
            return Err(invalid(
                "events.mix",
                "expected at least one weight above 0".into(),
            ));
        }
        let mount_share = self.events.mount_share;
        if !(0.0..=1.0).contains(&mount_share) {
            let expected = format!("expected a share from 0 to 1, got {mount_share}");
            return Err(invalid("events.mount_share", expected));
        }
        if mount_share > 0.0 && mounts == 0 {
            let expected = "events go to mounts but `objects.mounts` is 0".into();
            return Err(invalid("events.mount_share", expected));
        }

        // The roles.
        let cpus = overrides.cpus.unwrap_or_else(available_cpus);
        let mut roles = Vec::new();
        for (i, role) in self.roles.iter().enumerate() {
            roles.push(
                role.resolve(cpus, overrides.threads)
                    .map_err(|(k, e)| invalid(&format!("roles[{i}].{k}"), e))?,
            );
        }
        let threads: u64 = roles.iter().map(|r| u64::from(r.threads)).sum();
        if threads == 0 {
            return Err(invalid("roles", "expected at least one thread".into()));
        }
        if threads > MAX_THREADS {
            let expected = format!("{threads} threads in all: expected at most {MAX_THREADS}");
            return Err(invalid("roles", expected));
        }
        let watchers = roles.iter().any(|r| r.kind == RoleKind::Watcher);
        if cycles.is_some() && !watchers {
            return Err(invalid(
                "run.cycles",
                "counts watch cycles but no role is a watcher".into(),
            ));
        }

        Ok(Scenario {
            name: self.name.unwrap_or_default(),
            description: self.description.unwrap_or_default(),
            seed: self.seed,
            inodes,
            mounts,
            groups: self.groups,
            watch_mask,
            lifetime,
            long_lived: self.watch.long_lived,
            long_lived_mounts: self.watch.long_lived_mounts,
            event_mix,
            mount_share,
            duration_ms,
            cycles,
            roles,
            quick: overrides.quick,
        })
    }
}

impl RoleFile {
    /// Resolves the thread count and checks that every key applies to the
    /// role's kind. Errors are (key, expected).
    fn resolve(
        &self,
        cpus: u32,
        threads_override: Option<u32>,
    ) -> Result<Role, (&'static str, String)> {
        let kind = self.kind;
        let kind_name = format!("{kind:?}").to_lowercase();
        let not_for = |key: &'static str| (key, format!("does not apply to a `{kind_name}` role"));

        let mut threads = match (self.threads, self.threads_per_cpu) {
            (Some(n), None) => n,
            (None, Some(per_cpu)) => per_cpu.saturating_mul(cpus),
            (None, None) => 1,
            (Some(_), Some(_)) => {
                let expected = "expected `threads` or `threads_per_cpu`, not both".into();
                return Err(("threads_per_cpu", expected));
            }
        };
        if threads == 0 {
            return Err(("threads", "expected at least 1 thread".into()));
        }
        if let (Some(n), RoleKind::Watcher | RoleKind::Reader) = (threads_override, kind) {
            threads = n.max(1);
        }
        if self.pick.is_some() && kind != RoleKind::Watcher {
            return Err(not_for("pick"));
        }
        if self.stall.is_some() && kind != RoleKind::StalledReader {
            return Err(not_for("stall"));
        }
        if self.pause_us.is_some() && kind != RoleKind::Evictor {
            return Err(not_for("pause_us"));
        }
        let stall = match (&self.stall, kind) {
            (Some(text), _) => parse_stall(text).ok_or_else(|| {
                let expected = format!("expected \"<n>ms\" (n above 0) or \"never\", got {text:?}");
                ("stall", expected)
            })?,
            (None, RoleKind::StalledReader) => {
                return Err(("stall", "expected a stall, \"<n>ms\" or \"never\"".into()));
            }
            (None, _) => Stall::Never,
        };
        Ok(Role {
            kind,
            threads,
            pick: self.pick.unwrap_or(Pick::Random),
            stall,
            pause_us: self.pause_us.unwrap_or(0),
        })
    }
}

fn parse_stall(text: &str) -> Option<Stall> {
    if text == "never" {
        return Some(Stall::Never);
    }
    let ms: u64 = text.strip_suffix("ms")?.trim().parse().ok()?;
    (ms > 0).then_some(Stall::Ms(ms))
}

fn mask_of(names_given: &[String]) -> Result<Option<u32>, String> {
    let mut mask = 0;
    for name in names_given {
        match EVENT_NAMES.iter().find(|(n, _)| n == name) {
            Some((_, bit)) => mask |= bit,
            None => {
                return Err(format!(
                    "unknown event `{name}`; expected one of {}",
                    names()
                ))
            }
        }
    }
    Ok((mask != 0).then_some(mask))
}

fn names() -> String {
    EVENT_NAMES
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Logical CPUs available to the process.
pub fn available_cpus() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
}
