//! The kernel's slab counts for the two caches a watch allocates from.
//!
//! # What is read
//!
//! `/sys/kernel/slab/<cache>/objects` starts with the number of objects in
//! use in the cache (SLUB counts a slab's objects minus the free ones on the
//! node's partial list, so free objects sitting in per-CPU slabs count as in
//! use: the figure is close, not exact).
//!
//! # Merged caches
//!
//! SLUB merges caches of the same size and flags. The entry of a merged
//! cache is then a symbolic link to a shared directory (`:0000024`), whose
//! count includes every object of every cache merged into it. The count
//! still rises by one per connector, but on top of whatever the rest of
//! the system allocates from the same 24-byte cache at the same time.
//!
//! # Sampling
//!
//! [`Sampler`] reads the connector cache about once a millisecond on its own
//! thread, on the time axis of the measured phase, until it is stopped.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::result::Sample;

/// Where SLUB publishes its caches.
pub const SLAB_DIR: &str = "/sys/kernel/slab";

/// The cache of `struct fsnotify_mark_connector`.
pub const CONNECTOR_CACHE: &str = "fsnotify_mark_connector";

/// The cache of `struct inotify_inode_mark`.
pub const MARK_CACHE: &str = "inotify_inode_mark";

/// One slab cache as `/sys/kernel/slab` shows it.
#[derive(Clone, Debug)]
pub struct SlabCache {
    /// The cache's own name.
    pub name: &'static str,
    /// Its `objects` file.
    pub path: PathBuf,
    /// The shared cache it is merged into (the link's target), if merged.
    pub merged_into: Option<String>,
    /// Other names that link to the same shared cache.
    pub aliases: Vec<String>,
    /// Why the count cannot be read, if it cannot.
    pub unreadable: Option<String>,
}

impl SlabCache {
    /// Looks `name` up under `slab_dir` and tries one read.
    pub fn probe(slab_dir: &Path, name: &'static str) -> SlabCache {
        let entry = slab_dir.join(name);
        let path = entry.join("objects");
        let merged_into = std::fs::symlink_metadata(&entry)
            .ok()
            .filter(|m| m.file_type().is_symlink())
            .and_then(|_| std::fs::read_link(&entry).ok())
            .map(|target| {
                target
                    .to_string_lossy()
                    .trim_start_matches("./")
                    .to_string()
            });
        let aliases = match &merged_into {
            Some(target) => aliases_of(slab_dir, name, target),
            None => Vec::new(),
        };
        let unreadable = match read_objects(&path) {
            Ok(_) => None,
            Err(e) => Some(format!("{}: {e}", path.display())),
        };
        SlabCache {
            name,
            path,
            merged_into,
            aliases,
            unreadable,
        }
    }

    /// The current object count, if the cache can be read.
    pub fn read(&self) -> Option<u64> {
        if self.unreadable.is_some() {
            return None;
        }
        read_objects(&self.path).ok()
    }
}

/// Reads the first number of an `objects` file (`850 N0=850`).
pub fn read_objects(path: &Path) -> io::Result<u64> {
    let text = std::fs::read_to_string(path)?;
    let first = text.split_whitespace().next().unwrap_or("");
    first.parse().map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("expected an object count first, found `{first}`"),
        )
    })
}

/// The other entries of `slab_dir` that link to `target`.
fn aliases_of(slab_dir: &Path, name: &str, target: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(slab_dir) else {
        return Vec::new();
    };
    let mut aliases: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let other = e.file_name().to_string_lossy().to_string();
            let link = std::fs::read_link(e.path()).ok()?;
            let same = link.to_string_lossy().trim_start_matches("./") == target;
            (same && other != name).then_some(other)
        })
        .collect();
    aliases.sort();
    aliases
}

/// Samples a cache's count on its own thread until stopped.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Vec<(f64, u64)>>>,
}

impl Sampler {
    /// Starts sampling `cache` about every `period`, with time measured from
    /// `origin`. Returns `None` when the cache cannot be read.
    pub fn start(cache: &SlabCache, origin: Instant, period: Duration) -> Option<Sampler> {
        cache.read()?;
        let stop = Arc::new(AtomicBool::new(false));
        let path = cache.path.clone();
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("slab-sampler".into())
            .spawn(move || {
                let mut samples = Vec::new();
                // Relaxed: the flag publishes no data; the samples travel back
                // through the join.
                while !flag.load(Ordering::Relaxed) {
                    if let Ok(count) = read_objects(&path) {
                        samples.push((origin.elapsed().as_secs_f64() * 1e3, count));
                    }
                    std::thread::sleep(period);
                }
                samples
            })
            .ok()?;
        Some(Sampler {
            stop,
            thread: Some(thread),
        })
    }

    /// Stops the thread and returns `(t_ms, count)` samples.
    pub fn finish(mut self) -> Vec<(f64, u64)> {
        self.halt()
    }

    fn halt(&mut self) -> Vec<(f64, u64)> {
        // Relaxed: see the loop in `start`.
        self.stop.store(true, Ordering::Relaxed);
        match self.thread.take() {
            Some(thread) => thread.join().unwrap_or_default(),
            None => Vec::new(),
        }
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        // An early return (error, Ctrl-C) must not leave the thread running.
        self.halt();
    }
}

/// Turns raw counts into timeline samples relative to `baseline`.
pub fn timeline(samples: &[(f64, u64)], baseline: u64) -> Vec<Sample> {
    samples
        .iter()
        .map(|&(t_ms, count)| Sample {
            t_ms,
            allocated_bytes: None,
            resident_bytes: None,
            live_connectors: count.saturating_sub(baseline),
            pending_connectors: None,
        })
        .collect()
}

/// Waits until the counts of `caches` stop falling: no new minimum in any
/// of them for `quiet`, or `limit` passed. Returns the last counts and the
/// time waited. The kernel frees connectors from a workqueue after an SRCU
/// grace period, and marks from a delayed reaper, so they drop late.
pub fn settle(
    caches: &[&SlabCache],
    quiet: Duration,
    limit: Duration,
    stop: &AtomicBool,
) -> (Vec<Option<u64>>, Duration) {
    let start = Instant::now();
    let mut lowest: Vec<Option<u64>> = caches.iter().map(|c| c.read()).collect();
    let mut last = lowest.clone();
    let mut last_drop = start;
    // Relaxed: a Ctrl-C flag, nothing published through it.
    while start.elapsed() < limit && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(2));
        last = caches.iter().map(|c| c.read()).collect();
        for (low, now) in lowest.iter_mut().zip(&last) {
            if let (Some(l), Some(n)) = (low.as_mut(), now) {
                if n < l {
                    *l = *n;
                    last_drop = Instant::now();
                }
            }
        }
        if last_drop.elapsed() >= quiet {
            break;
        }
    }
    (last, last_drop - start)
}
