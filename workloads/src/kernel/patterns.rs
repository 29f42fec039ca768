//! The two patterns, driven through inotify against the host kernel.
//!
//! # temp-watch
//!
//! One thread, many cycles: pick a file (seeded), add a watch for
//! `IN_MODIFY`, deliver `events_per_watch` events by writing one byte to the
//! file and reading each event back, remove the watch. At most one watch is
//! in place at a time, so the kernel allocates and frees one connector per
//! cycle: the seed patch's own case.
//!
//! # indexer-scan
//!
//! Walk a tree of files adding a watch to each, deliver one event to each,
//! then remove every watch: what matters is how many connectors stay behind.
//! All watches are in place at once between the walk and the removals, which
//! is where the connector count is read as `watched`.
//!
//! # What is timed
//!
//! - `add_mark`: `inotify_add_watch(2)`, with its path lookup and the
//!   crate's copy of the path into a C string.
//! - `remove_mark`: `inotify_rm_watch(2)`. The `IN_IGNORED` event it queues
//!   is read afterwards, outside the timing.
//! - `handle_event`: from `pwrite(2)` of one byte until the event has been
//!   read back with `read(2)`: one delivery, seen by the watcher.
//! - `watch_cycle` (temp-watch only): add, every event, and remove.

use std::fs::{File, OpenOptions};
use std::io::{self, ErrorKind};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use hdrhistogram::Histogram;
use inotify::{EventMask, Inotify, WatchDescriptor, WatchMask};

use super::{KernelError, Phase, Progress};

/// Files per directory of the indexer's tree.
const FILES_PER_DIR: u64 = 1000;

/// Removals between two reads of the queued `IN_IGNORED` events, well below
/// the default `max_queued_events` of 16384.
const DRAIN_EVERY: u64 = 256;

/// Latency histograms, one per operation, in nanoseconds.
pub(super) struct Latencies {
    pub add_mark: Histogram<u64>,
    pub remove_mark: Histogram<u64>,
    pub handle_event: Histogram<u64>,
    pub watch_cycle: Option<Histogram<u64>>,
}

impl Latencies {
    fn new(cycles: bool) -> Latencies {
        let h = || Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("valid bounds");
        Latencies {
            add_mark: h(),
            remove_mark: h(),
            handle_event: h(),
            watch_cycle: cycles.then(h),
        }
    }

    /// Operations measured (a cycle is not an operation of its own).
    pub fn ops(&self) -> u64 {
        self.add_mark.len() + self.remove_mark.len() + self.handle_event.len()
    }
}

fn record(h: &mut Histogram<u64>, since: Instant) {
    let ns = u64::try_from(since.elapsed().as_nanos()).unwrap_or(u64::MAX);
    h.saturating_record(ns.max(1));
}

/// What a pattern hands back besides its latencies.
pub(super) struct Outcome {
    pub latencies: Latencies,
    /// Watches actually placed (indexer-scan may be cut by `ENOSPC`).
    pub watches: u64,
    /// The kernel refused a watch: how many were in place then.
    pub enospc_at: Option<u64>,
    /// When the measured phase began and ended.
    pub started: Instant,
    pub ended: Instant,
}

/// One inotify instance and its event buffer.
pub(super) struct Watcher {
    inotify: Inotify,
    buffer: Vec<u8>,
}

impl Watcher {
    pub fn new() -> io::Result<Watcher> {
        Ok(Watcher {
            inotify: Inotify::init()?,
            buffer: vec![0; 64 * 1024],
        })
    }

    fn add(&mut self, path: &Path) -> io::Result<WatchDescriptor> {
        self.inotify.watches().add(path, WatchMask::MODIFY)
    }

    fn remove(&mut self, wd: WatchDescriptor) -> io::Result<()> {
        self.inotify.watches().remove(wd)
    }

    /// Reads the one `IN_MODIFY` a write to `wd`'s file just queued. The
    /// kernel queues it inside `write(2)`, so a non-blocking read finds it;
    /// the blocking read is only a fallback.
    fn expect_modify(&mut self, wd: &WatchDescriptor, path: &Path) -> Result<(), KernelError> {
        let events = match self.inotify.read_events(&mut self.buffer) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                self.inotify.read_events_blocking(&mut self.buffer)
            }
            other => other,
        }
        .map_err(|source| KernelError::io("read inotify events", path, source))?;
        let mut seen = 0;
        for event in events {
            if event.wd != *wd || !event.mask.contains(EventMask::MODIFY) {
                return Err(KernelError::Unexpected(format!(
                    "{}: expected IN_MODIFY on its watch, read {:?}",
                    path.display(),
                    event.mask
                )));
            }
            seen += 1;
        }
        match seen {
            1 => Ok(()),
            n => Err(KernelError::Unexpected(format!(
                "{}: expected one IN_MODIFY event after one write, read {n}",
                path.display()
            ))),
        }
    }

    /// Reads whatever is queued (the `IN_IGNORED` of removed watches).
    fn drain(&mut self) -> io::Result<()> {
        loop {
            match self.inotify.read_events(&mut self.buffer) {
                Ok(_) => continue,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }
}

/// A small seeded generator (SplitMix64), so a seed gives one sequence.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn interrupted(stop: &AtomicBool) -> Result<(), KernelError> {
    // Relaxed: a Ctrl-C flag, nothing published through it.
    match stop.load(Ordering::Relaxed) {
        true => Err(KernelError::Interrupted),
        false => Ok(()),
    }
}

/// Reports a phase's start, about every tenth of it, and its end.
fn tick(progress: &mut dyn FnMut(Progress), phase: Phase, done: u64, total: u64) {
    let step = (total / 10).max(1);
    if done == 0 || done == total || done % step == 0 {
        progress(Progress { phase, done, total });
    }
}

/// Creates `files` empty files under `root`, `FILES_PER_DIR` per directory.
pub(super) fn create_files(
    root: &Path,
    files: u64,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<PathBuf>, KernelError> {
    let mut paths = Vec::with_capacity(usize::try_from(files).unwrap_or(0));
    for i in 0..files {
        tick(progress, Phase::CreatingFiles, i, files);
        if i % FILES_PER_DIR == 0 {
            interrupted(stop)?;
            let dir = root.join(format!("d{:04}", i / FILES_PER_DIR));
            std::fs::create_dir(&dir)
                .map_err(|source| KernelError::io("create directory", &dir, source))?;
        }
        let path = root
            .join(format!("d{:04}", i / FILES_PER_DIR))
            .join(format!("f{:03}", i % FILES_PER_DIR));
        File::create(&path).map_err(|source| KernelError::io("create file", &path, source))?;
        paths.push(path);
    }
    tick(progress, Phase::CreatingFiles, files, files);
    Ok(paths)
}

fn open_for_writes(path: &Path) -> Result<File, KernelError> {
    OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|source| KernelError::io("open for writing", path, source))
}

/// Delivers one event to `path`'s watch and times it until it is read.
fn deliver(
    watcher: &mut Watcher,
    file: &File,
    wd: &WatchDescriptor,
    path: &Path,
    h: &mut Histogram<u64>,
) -> Result<(), KernelError> {
    let t = Instant::now();
    file.write_at(b"x", 0)
        .map_err(|source| KernelError::io("write", path, source))?;
    watcher.expect_modify(wd, path)?;
    record(h, t);
    Ok(())
}

/// The temp-watch pattern: `cycles` add, events, remove cycles.
pub(super) fn temp_watch(
    watcher: &mut Watcher,
    paths: &[PathBuf],
    cycles: u64,
    events_per_watch: u32,
    seed: u64,
    stop: &AtomicBool,
    progress: &mut dyn FnMut(Progress),
) -> Result<Outcome, KernelError> {
    let mut lat = Latencies::new(true);
    let mut rng = SplitMix64(seed);
    let started = Instant::now();
    for c in 0..cycles {
        interrupted(stop)?;
        tick(progress, Phase::Cycles, c, cycles);

        // The writer's file is opened outside the cycle: a watcher does
        // not open the files it watches.
        let len = u64::try_from(paths.len()).unwrap_or(u64::MAX);
        let path = &paths[usize::try_from(rng.next() % len).unwrap_or(0)];
        let file = open_for_writes(path)?;

        let cycle = Instant::now();
        let t = Instant::now();
        let wd = watcher
            .add(path)
            .map_err(|source| KernelError::io("inotify_add_watch", path, source))?;
        record(&mut lat.add_mark, t);
        for _ in 0..events_per_watch {
            deliver(watcher, &file, &wd, path, &mut lat.handle_event)?;
        }
        let t = Instant::now();
        watcher
            .remove(wd)
            .map_err(|source| KernelError::io("inotify_rm_watch", path, source))?;
        record(&mut lat.remove_mark, t);
        if let Some(h) = lat.watch_cycle.as_mut() {
            record(h, cycle);
        }

        watcher
            .drain()
            .map_err(|source| KernelError::io("read inotify events", path, source))?;
    }
    let ended = Instant::now();
    tick(progress, Phase::Cycles, cycles, cycles);
    Ok(Outcome {
        latencies: lat,
        watches: cycles,
        enospc_at: None,
        started,
        ended,
    })
}

/// The indexer-scan pattern, in three steps so that all watches are in
/// place together; `watched` is called between the walk and the removals.
pub(super) fn indexer_scan(
    watcher: &mut Watcher,
    paths: &[PathBuf],
    stop: &AtomicBool,
    progress: &mut dyn FnMut(Progress),
    watched: &mut dyn FnMut(),
) -> Result<Outcome, KernelError> {
    let mut lat = Latencies::new(false);
    let total = u64::try_from(paths.len()).unwrap_or(u64::MAX);
    let started = Instant::now();

    // Walk the tree watching every file, stopping early if the kernel runs
    // out of watches for this user (other programs may use some).
    let mut wds = Vec::with_capacity(paths.len());
    let mut enospc_at = None;
    for (i, path) in paths.iter().enumerate() {
        let i = i as u64;
        if i % DRAIN_EVERY == 0 {
            interrupted(stop)?;
        }
        tick(progress, Phase::Adding, i, total);
        let t = Instant::now();
        match watcher.add(path) {
            Ok(wd) => wds.push(wd),
            // ENOSPC: past `max_user_watches`.
            Err(e) if e.kind() == ErrorKind::StorageFull => {
                enospc_at = Some(i);
                break;
            }
            Err(source) => return Err(KernelError::io("inotify_add_watch", path, source)),
        }
        record(&mut lat.add_mark, t);
    }
    let placed = wds.len() as u64;
    tick(progress, Phase::Adding, placed, placed);
    watched();

    // One event per watched file, as an indexer is told of a change.
    for (i, (wd, path)) in wds.iter().zip(paths).enumerate() {
        let i = i as u64;
        if i % DRAIN_EVERY == 0 {
            interrupted(stop)?;
        }
        tick(progress, Phase::Events, i, placed);
        let file = open_for_writes(path)?;
        deliver(watcher, &file, wd, path, &mut lat.handle_event)?;
    }
    tick(progress, Phase::Events, placed, placed);

    // Remove every watch, reading the IN_IGNORED events as they pile up.
    for (i, (wd, path)) in wds.into_iter().zip(paths).enumerate() {
        let i = i as u64;
        if i % DRAIN_EVERY == 0 {
            interrupted(stop)?;
            watcher
                .drain()
                .map_err(|source| KernelError::io("read inotify events", path, source))?;
        }
        tick(progress, Phase::Removing, i, placed);
        let t = Instant::now();
        watcher
            .remove(wd)
            .map_err(|source| KernelError::io("inotify_rm_watch", path, source))?;
        record(&mut lat.remove_mark, t);
    }
    let ended = Instant::now();
    tick(progress, Phase::Removing, placed, placed);
    watcher
        .drain()
        .map_err(|source| KernelError::io("read inotify events", Path::new(""), source))?;
    Ok(Outcome {
        latencies: lat,
        watches: placed,
        enospc_at,
        started,
        ended,
    })
}
