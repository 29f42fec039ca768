//! The limits the kernel sets on inotify, read before a run and fitted to.
//!
//! # The limits
//!
//! `/proc/sys/fs/inotify/max_user_watches` caps the watches of one user
//! across all its instances; `max_user_instances` caps its inotify
//! instances. Past them `inotify_add_watch(2)` fails with `ENOSPC` and
//! `inotify_init1(2)` with `EMFILE`.
//!
//! # Watches already in use
//!
//! Other programs of the same user (editors, build tools) hold watches too.
//! They are counted from `/proc/<pid>/fdinfo` (one `inotify wd:` line per
//! watch) for the processes of this user that can be read; an instance
//! shared by several descriptors is counted once per descriptor, so the
//! count errs high, which only leaves more room.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde_json::json;

use super::Plan;

/// Where the inotify limits are published.
const LIMITS_DIR: &str = "/proc/sys/fs/inotify";

/// Watches left free for the rest of the system when a plan is cut.
const HEADROOM: u64 = 512;

/// The inotify limits for this user, each `None` where unreadable.
#[derive(Clone, Debug, Default)]
pub struct Limits {
    /// `max_user_watches`.
    pub max_user_watches: Option<u64>,
    /// `max_user_instances`.
    pub max_user_instances: Option<u64>,
    /// Watches this user's processes hold now.
    pub watches_in_use: Option<u64>,
    /// Inotify descriptors this user's processes hold now.
    pub instances_in_use: Option<u64>,
    /// Why a limit could not be read.
    pub unreadable: Vec<String>,
}

impl Limits {
    /// Reads the limits and what this user already uses.
    pub fn read() -> Limits {
        let mut limits = Limits::default();
        let mut read = |name: &str| {
            let path = Path::new(LIMITS_DIR).join(name);
            match std::fs::read_to_string(&path).map(|s| s.trim().parse::<u64>()) {
                Ok(Ok(n)) => Some(n),
                Ok(Err(e)) => {
                    limits
                        .unreadable
                        .push(format!("{}: not a number: {e}", path.display()));
                    None
                }
                Err(e) => {
                    limits.unreadable.push(format!("{}: {e}", path.display()));
                    None
                }
            }
        };
        let max_user_watches = read("max_user_watches");
        let max_user_instances = read("max_user_instances");
        limits.max_user_watches = max_user_watches;
        limits.max_user_instances = max_user_instances;
        if let Some((watches, instances)) = in_use() {
            limits.watches_in_use = Some(watches);
            limits.instances_in_use = Some(instances);
        }
        limits
    }

    /// Watches this run may place at once, if the limit is known.
    pub fn available_watches(&self) -> Option<u64> {
        let max = self.max_user_watches?;
        Some(
            max.saturating_sub(self.watches_in_use.unwrap_or(0))
                .saturating_sub(HEADROOM),
        )
    }

    /// `max_user_instances` for an error message.
    pub fn instances_text(&self) -> String {
        match (self.max_user_instances, self.instances_in_use) {
            (Some(max), Some(used)) => format!("{max}, about {used} in use by this user"),
            (Some(max), None) => max.to_string(),
            (None, _) => "unreadable".to_string(),
        }
    }

    /// The limits for a result's `params`.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "max_user_watches": self.max_user_watches,
            "max_user_instances": self.max_user_instances,
            "watches_in_use": self.watches_in_use,
            "instances_in_use": self.instances_in_use,
        })
    }
}

/// Counts the inotify watches and descriptors of this user's processes.
fn in_use() -> Option<(u64, u64)> {
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let mut watches = 0;
    let mut instances = 0;
    for proc_entry in std::fs::read_dir("/proc").ok()?.filter_map(Result::ok) {
        let pid_dir = proc_entry.path();
        let owned = std::fs::metadata(&pid_dir).is_ok_and(|m| m.uid() == uid);
        let is_pid = proc_entry
            .file_name()
            .to_string_lossy()
            .bytes()
            .all(|b| b.is_ascii_digit());
        if !owned || !is_pid {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(pid_dir.join("fd")) else {
            continue;
        };
        for fd in fds.filter_map(Result::ok) {
            let is_inotify = std::fs::read_link(fd.path())
                .is_ok_and(|target| target.as_os_str() == "anon_inode:inotify");
            if !is_inotify {
                continue;
            }
            instances += 1;
            let info = pid_dir.join("fdinfo").join(fd.file_name());
            if let Ok(text) = std::fs::read_to_string(info) {
                watches += text
                    .lines()
                    .filter(|l| l.starts_with("inotify wd:"))
                    .count() as u64;
            }
        }
    }
    Some((watches, instances))
}

/// A plan fitted to the limits, with what was changed and why.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The plan as it will run.
    pub plan: Plan,
    /// The limits it was fitted to.
    pub limits: Limits,
    /// What a reader should know: cuts, unreadable limits.
    pub notes: Vec<String>,
}

/// Cuts `plan` so that its watches fit in what `limits` leave free.
pub fn prepare(mut plan: Plan, limits: Limits) -> Prepared {
    let mut notes: Vec<String> = limits
        .unreadable
        .iter()
        .map(|why| format!("inotify limit unreadable ({why}); an ENOSPC would stop the walk"))
        .collect();

    let wanted = plan.watches_at_once();
    if let Some(available) = limits.available_watches() {
        if wanted > available {
            // Only indexer-scan holds more than one watch at a time.
            plan.files = available.max(1);
            notes.push(format!(
                "{}: cut from {wanted} to {} watches to fit max_user_watches = {} ({} in use by \
                 this user, {HEADROOM} left free)",
                plan.pattern.name(),
                plan.watches_at_once(),
                limits.max_user_watches.unwrap_or(0),
                limits.watches_in_use.unwrap_or(0),
            ));
        }
    }
    if let (Some(max), Some(used)) = (limits.max_user_instances, limits.instances_in_use) {
        if used >= max {
            notes.push(format!(
                "max_user_instances = {max} and this user holds about {used} inotify \
                 descriptors: creating the run's one instance may fail"
            ));
        }
    }
    Prepared {
        plan,
        limits,
        notes,
    }
}
