//! The operations both bench targets measure, written once over
//! [`Scheme`], and the reference points every scheme is read against.
//!
//! # Operations
//!
//! - [`read_side`]: enter and leave the scheme's read side, nothing inside.
//! - [`watched_inode`] then `handle_event`: an event on an inode with a given
//!   number of marks, every one of which wants the event.
//! - [`TempWatch`]: the seed patch's case, a mark added to an object with no
//!   connector and removed again, with the barrier that frees what the removal
//!   retired amortised over [`TEMP_WATCH_BATCH`] cycles.
//! - [`ExistingMark`]: a second group's mark added to objects that already
//!   carry one mark, so the connector is reused and never freed.
//! - [`Reader`]: events delivered to the temp watch's object from another
//!   thread, for the contended cycle.
//!
//! # Reference points
//!
//! [`reference`] holds the floors no scheme can go under: one `Acquire` load,
//! one uncontended atomic increment, one uncontended mutex lock and unlock,
//! and one allocation and free of a connector-sized block from the global
//! allocator, which both bench binaries set to jemalloc.

// Each bench target uses a different part of this module.
#![allow(dead_code)]

pub mod park;

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use connbench_impls::{Fsnotify, Group, MarkRef, ObjRef, Scheme};

/// The event every bench delivers and every mark wants: `FS_MODIFY`.
pub const EVENT: u32 = 0x2;

/// Temp-watch cycles per barrier. The barrier's fixed cost (one grace period
/// when anything is pending) is spread over this many cycles, as the kernel's
/// destroy-list worker spreads one `synchronize_srcu()` over the connectors
/// queued meanwhile.
pub const TEMP_WATCH_BATCH: usize = 64;

/// Objects that receive a second mark per timed round of [`ExistingMark`].
pub const EXISTING_MARK_OBJECTS: u32 = 64;

/// Bytes of the model's connector (`impls/src/model/connector.rs`): a 32-byte
/// `Retired` header, the magic, the kind, the list head and its mutex, on
/// x86_64. The type is private to the model, so the size is written here and
/// checked against the debug info (see `scripts/bench`).
pub const CONNECTOR_BYTES: usize = 64;

/// Enters and leaves the read side.
#[inline]
pub fn read_side<S: Scheme>(fs: &Fsnotify<S>) {
    let guard = fs.scheme().read_lock();
    black_box(&guard);
}

/// A reference to inode 0 after `marks` marks of distinct groups of equal
/// priority have been attached to it.
pub fn watched_inode<S: Scheme>(fs: &Fsnotify<S>, marks: u32) -> ObjRef<'_, S> {
    let inode = fs.igrab(fs.inode(0)).expect("inode 0 is not being evicted");
    for _ in 0..marks {
        let group = fs.new_group(0);
        // The mark stays attached when its reference is dropped.
        fs.add_mark(&inode, &group, EVENT)
            .expect("a new group has no mark yet");
    }
    inode
}

/// Delivers one event to `inode`.
#[inline]
pub fn handle_event<S: Scheme>(fs: &Fsnotify<S>, inode: &ObjRef<'_, S>) -> u32 {
    fs.handle_event(black_box(inode), None, black_box(EVENT))
}

/// One object watched and unwatched again and again, by one group.
pub struct TempWatch<'f, S: Scheme> {
    fs: &'f Fsnotify<S>,
    inode: ObjRef<'f, S>,
    group: Arc<Group>,
}

impl<'f, S: Scheme> TempWatch<'f, S> {
    /// Watches inode 0 of `fs`, which must carry no marks.
    pub fn new(fs: &'f Fsnotify<S>) -> Self {
        let inode = fs.igrab(fs.inode(0)).expect("inode 0 is not being evicted");
        let group = fs.new_group(0);
        TempWatch { fs, inode, group }
    }

    /// The watched object.
    pub fn inode(&self) -> &ObjRef<'f, S> {
        &self.inode
    }

    /// Adds the mark and removes it: `inotify_add_watch` then `inotify_rm_watch`.
    #[inline]
    pub fn cycle(&self) {
        let mark = self
            .fs
            .add_mark(&self.inode, &self.group, EVENT)
            .expect("the group's mark was removed in the previous cycle");
        self.fs.remove_mark(mark);
    }

    /// [`TEMP_WATCH_BATCH`] cycles, then a barrier that frees what they retired.
    pub fn batch(&self) {
        for _ in 0..TEMP_WATCH_BATCH {
            self.cycle();
        }
        self.fs.barrier();
    }
}

/// Objects that each carry a first group's mark, and the second group whose
/// marks are added to them.
pub struct ExistingMark<'f, S: Scheme> {
    fs: &'f Fsnotify<S>,
    objects: Vec<ObjRef<'f, S>>,
    second: Arc<Group>,
    added: Vec<MarkRef<'f, S>>,
}

impl<'f, S: Scheme> ExistingMark<'f, S> {
    /// Puts a first mark on each of the first [`EXISTING_MARK_OBJECTS`] inodes
    /// of `fs`.
    pub fn new(fs: &'f Fsnotify<S>) -> Self {
        let first = fs.new_group(0);
        let objects: Vec<_> = (0..EXISTING_MARK_OBJECTS)
            .map(|i| {
                let obj = fs.igrab(fs.inode(i)).expect("no inode is being evicted");
                fs.add_mark(&obj, &first, EVENT)
                    .expect("a new group has no mark yet");
                obj
            })
            .collect();
        ExistingMark {
            fs,
            objects,
            second: fs.new_group(0),
            added: Vec::with_capacity(EXISTING_MARK_OBJECTS as usize),
        }
    }

    /// The timed part: adds the second group's mark to every object. Equal
    /// priorities order by group, so each new mark goes after the first one.
    pub fn add_all(&mut self) {
        for obj in &self.objects {
            let mark = self
                .fs
                .add_mark(obj, &self.second, EVENT)
                .expect("the second group's marks were removed by the last reset");
            self.added.push(mark);
        }
    }

    /// The untimed part: removes the second group's marks and frees them.
    pub fn reset(&mut self) {
        for mark in self.added.drain(..) {
            self.fs.remove_mark(mark);
        }
        self.fs.barrier();
    }
}

/// A thread's worth of event delivery to one inode seen through a mount that
/// carries a permanent mark, so every event enters the read side and loads the
/// inode's connector slot, whether or not the inode is watched at that moment.
pub struct Reader<'f, S: Scheme> {
    fs: &'f Fsnotify<S>,
    inode: ObjRef<'f, S>,
    mount: ObjRef<'f, S>,
}

impl<'f, S: Scheme> Reader<'f, S> {
    /// Watches mount 0 of `fs` for good and reads inode 0 through it.
    pub fn new(fs: &'f Fsnotify<S>) -> Self {
        let inode = fs.igrab(fs.inode(0)).expect("inode 0 is not being evicted");
        let mount = fs.igrab(fs.mount(0)).expect("mount 0 is not being evicted");
        fs.add_mark(&mount, &fs.new_group(0), EVENT)
            .expect("a new group has no mark yet");
        Reader { fs, inode, mount }
    }

    /// Delivers events until `stop` is set; returns how many marks received one.
    pub fn run(&self, stop: &AtomicBool) -> u64 {
        let mut delivered = 0u64;
        // Relaxed: the flag only ends the loop; nothing is published with it.
        while !stop.load(Ordering::Relaxed) {
            for _ in 0..64 {
                let n = self.fs.handle_event(&self.inode, Some(&self.mount), EVENT);
                delivered += u64::from(n);
            }
        }
        delivered
    }
}

/// The floors every scheme is read against, each one operation.
pub mod reference {
    use super::*;

    /// Benchmark ids of the reference points, in the order they are reported.
    pub const ACQUIRE_LOAD: &str = "ref-acquire-load";
    /// See [`atomic_increment`].
    pub const ATOMIC_INCREMENT: &str = "ref-atomic-increment";
    /// See [`mutex_lock_unlock`].
    pub const MUTEX: &str = "ref-mutex-lock-unlock";
    /// See [`alloc_free`].
    pub const ALLOC_FREE: &str = "ref-jemalloc-alloc-free-64B";

    /// A bare load of an object's connector slot, as the 0-mark fast path does.
    #[inline]
    pub fn acquire_load(slot: &AtomicPtr<u8>) -> *mut u8 {
        // Acquire: the ordering a section-based scheme's protected load uses.
        black_box(slot).load(Ordering::Acquire)
    }

    /// One uncontended read-modify-write, as a reference count takes. On
    /// x86_64 every ordering compiles to the same `lock xadd`.
    #[inline]
    pub fn atomic_increment(counter: &AtomicU64) -> u64 {
        black_box(counter).fetch_add(1, Ordering::Relaxed)
    }

    /// One uncontended lock and unlock of the std mutex the model uses for its
    /// connector and group locks.
    #[inline]
    pub fn mutex_lock_unlock(mutex: &Mutex<()>) {
        let guard = black_box(mutex).lock().unwrap_or_else(|e| e.into_inner());
        black_box(&guard);
    }

    /// Allocates and frees a [`CONNECTOR_BYTES`] block, uninitialised, through
    /// the global allocator.
    #[inline]
    pub fn alloc_free() {
        let block = Box::<[u64; CONNECTOR_BYTES / 8]>::new_uninit();
        drop(black_box(block));
    }
}
