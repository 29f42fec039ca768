//! Hazard pointers (Michael, 2004): per-thread protection slots, a bounded
//! list of retired nodes, and the scan that frees what no slot holds.
//!
//! # Protect
//!
//! A reader loads the link, publishes the loaded value in its slot (Release),
//! issues a SeqCst fence and loads the link again; if the value changed it
//! publishes the new one and repeats. The value is published raw, tag bits
//! and all; scans strip the tag before comparing addresses.
//!
//! # Retire and scan
//!
//! Retired nodes go on one list under a mutex. When the list reaches
//! [`HazardDomain::threshold`], twice the number of slots in use plus a
//! constant, the retiring thread takes the list, issues a SeqCst fence, reads
//! every slot, and frees each node no slot holds; the rest go back.
//!
//! # Why it is safe
//!
//! A node is retired after it was unlinked. Take a reader that validated it
//! (publish, fence F_r, reload saw the node still linked) and a scan (fence
//! F_s, then slot reads) that follows the retire. If F_r precedes F_s in the
//! SeqCst order, the scan's read of the slot sees the publication (or a later
//! value the same reader stored, which it stores only when it moves on). If
//! F_s precedes F_r, the reload after F_r sees the unlink, which came before
//! F_s, so validation fails. The slots' later stores (moving on, clearing)
//! are Release and the scan's reads Acquire, so a reader's uses of a node
//! happen before a scan that sees it gone frees it.
//!
//! # Bound
//!
//! A scan leaves at most `H` nodes (one per slot, `H` slots in use). A thread
//! that finds the list at the threshold while another scans waits for that
//! scan, so the list never holds more than the threshold plus one node per
//! thread, and a scan's batch no more than that: pending nodes stay under
//! [`HazardDomain::pending_bound`] whatever readers do (outside a
//! [`HazardDomain::barrier`], which holds its batch until it is free).

use std::ptr::{self, NonNull};

use crate::engine::registry::PerThread;
use crate::engine::tally::Tally;
use crate::engine::Backoff;
use crate::retired::{Counters, Retired};
use crate::scheme::PROTECT_SLOTS;
use crate::sync::{fence, lock, AtomicPtr, AtomicUsize, Mutex, Ordering};

/// How deeply one thread may nest read-side sections.
pub const MAX_NESTING: usize = 2;
/// Hazard slots per thread.
pub const SLOTS_PER_THREAD: usize = PROTECT_SLOTS * MAX_NESTING;
/// Retired nodes kept beyond twice the slots in use before a scan.
const THRESHOLD_BASE: usize = 16;
/// The tag bits a link may carry (see `model::mark::UNLINKED`).
const TAG_MASK: usize = 1;

/// One thread's slots, and how many of its sections are open.
#[derive(Default)]
struct Record {
    slots: [AtomicPtr<()>; SLOTS_PER_THREAD],
    depth: AtomicUsize,
}

struct RetireList {
    head: *mut Retired,
    len: usize,
}

// Safety: the nodes on the list belong to the list, reached under its mutex.
unsafe impl Send for RetireList {}

/// A hazard-pointer domain.
pub struct HazardDomain {
    records: PerThread<Record>,
    list: Mutex<RetireList>,
    /// Held by whoever scans, so that one scan's survivors are back on the
    /// list before the next scan or barrier takes it.
    scan_lock: Mutex<()>,
    tally: Tally,
    counters: Counters,
}

/// A read-side section: the slots of one nesting level.
pub struct HazardGuard<'a> {
    record: &'a Record,
    level: usize,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl HazardDomain {
    /// A domain with nothing retired.
    pub fn new() -> Self {
        HazardDomain {
            records: PerThread::new(),
            list: Mutex::new(RetireList {
                head: ptr::null_mut(),
                len: 0,
            }),
            scan_lock: Mutex::new(()),
            tally: Tally::default(),
            counters: Counters::default(),
        }
    }

    /// The counters of what this domain freed.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Opens a section on this thread's next nesting level.
    #[inline]
    pub fn enter(&self) -> HazardGuard<'_> {
        let record = self.records.mine();
        // Relaxed: only this thread touches its depth.
        let level = record.depth.load(Ordering::Relaxed);
        assert!(
            level < MAX_NESTING,
            "hazard sections nest at most {MAX_NESTING} deep"
        );
        record.depth.store(level + 1, Ordering::Relaxed);
        HazardGuard {
            record,
            level,
            _not_send: std::marker::PhantomData,
        }
    }

    /// Slots of the threads that have used this domain.
    fn slots_in_use(&self) -> usize {
        self.records.used().count() * SLOTS_PER_THREAD
    }

    /// The list length that triggers a scan: proportional to the slots in use.
    pub fn threshold(&self) -> usize {
        2 * self.slots_in_use() + THRESHOLD_BASE
    }

    /// Most nodes that can be retired and not yet freed at once, outside a
    /// barrier: a full list plus a scan's batch.
    pub fn pending_bound(&self) -> usize {
        2 * (self.threshold() + self.records.used().count())
    }

    /// Queues `node`, scanning when the list is full.
    ///
    /// # Safety
    ///
    /// As [`crate::Scheme::retire`].
    pub unsafe fn retire(&self, node: NonNull<Retired>) {
        self.tally.on_retire();
        let full = {
            let mut list = lock(&self.list);
            // Safety: the node is the list's now; its link is ours.
            unsafe { *node.as_ref().next.get() = list.head };
            list.head = node.as_ptr();
            list.len += 1;
            list.len >= self.threshold()
        };
        if full {
            let _scan = lock(&self.scan_lock);
            let batch = self.take_if_full();
            let survivors = self.scan(batch);
            self.put_back(survivors);
        }
    }

    /// Frees every node retired before the call, waiting for the readers that
    /// protect some of them to move on.
    pub fn barrier(&self) {
        let mut batch = {
            let _scan = lock(&self.scan_lock);
            let mut list = lock(&self.list);
            list.len = 0;
            std::mem::replace(&mut list.head, ptr::null_mut())
        };
        let mut backoff = Backoff::default();
        loop {
            batch = self.scan(batch);
            if batch.is_null() {
                return;
            }
            backoff.wait();
        }
    }

    fn take_if_full(&self) -> *mut Retired {
        let mut list = lock(&self.list);
        if list.len < self.threshold() {
            return ptr::null_mut();
        }
        list.len = 0;
        std::mem::replace(&mut list.head, ptr::null_mut())
    }

    fn put_back(&self, mut survivors: *mut Retired) {
        if survivors.is_null() {
            return;
        }
        let mut list = lock(&self.list);
        while let Some(node) = NonNull::new(survivors) {
            // Safety: the survivors are ours until they are back on the list.
            unsafe {
                survivors = *node.as_ref().next.get();
                *node.as_ref().next.get() = list.head;
            }
            list.head = node.as_ptr();
            list.len += 1;
        }
    }

    /// Frees the nodes of `batch` that no slot holds; returns the others.
    fn scan(&self, mut batch: *mut Retired) -> *mut Retired {
        if batch.is_null() {
            return batch;
        }
        // SeqCst fence: pairs with the fence of `protect`, see the module doc.
        fence(Ordering::SeqCst);
        let mut hazards: Vec<usize> = self
            .records
            .used()
            .flat_map(|record| record.slots.iter())
            // Acquire: pairs with the Release of a slot's later stores, so a
            // reader's uses of a node it moved on from happen before its free.
            .map(|slot| slot.load(Ordering::Acquire).addr() & !TAG_MASK)
            .filter(|&addr| addr != 0)
            .collect();
        hazards.sort_unstable();

        let mut survivors: *mut Retired = ptr::null_mut();
        while let Some(node) = NonNull::new(batch) {
            // Safety: the batch is ours; read the link before a free.
            batch = unsafe { *node.as_ref().next.get() };
            if hazards.binary_search(&node.as_ptr().addr()).is_ok() {
                // Safety: as above.
                unsafe { *node.as_ref().next.get() = survivors };
                survivors = node.as_ptr();
            } else {
                // Safety: retired, so unlinked; no slot held it after the
                // fence, so no reader can use it (module doc); on one list.
                unsafe { self.tally.reclaim(node, &self.counters) };
            }
        }
        survivors
    }
}

impl Default for HazardDomain {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for HazardDomain {
    fn drop(&mut self) {
        // No guard outlives its borrow of the domain: nothing is protected.
        let mut node = std::mem::replace(&mut lock(&self.list).head, ptr::null_mut());
        while let Some(current) = NonNull::new(node) {
            // Safety: the list is ours alone now; no reader remains.
            unsafe {
                node = *current.as_ref().next.get();
                self.tally.reclaim(current, &self.counters);
            }
        }
    }
}

impl HazardGuard<'_> {
    /// Loads `link` and protects its target in `slot` (publish, fence,
    /// validate by reloading).
    #[inline]
    pub fn protect<T>(&mut self, slot: usize, link: &AtomicPtr<T>) -> *mut T {
        debug_assert!(slot < PROTECT_SLOTS);
        let hazard = &self.record.slots[self.level * PROTECT_SLOTS + slot];
        // Relaxed: validated below.
        let mut seen = link.load(Ordering::Relaxed);
        loop {
            // Release: this thread's uses of what the slot held before happen
            // before a scan that reads the new value.
            hazard.store(seen.cast(), Ordering::Release);
            // SeqCst fence: pairs with the scan's fence, see the module doc.
            fence(Ordering::SeqCst);
            // Acquire: pairs with the Release that published the node.
            let now = link.load(Ordering::Acquire);
            if now == seen {
                return seen;
            }
            seen = now;
        }
    }
}

impl Drop for HazardGuard<'_> {
    fn drop(&mut self) {
        for slot in &self.record.slots[self.level * PROTECT_SLOTS..][..PROTECT_SLOTS] {
            // Release: the section's uses happen before a scan that sees the
            // slot empty.
            slot.store(ptr::null_mut(), Ordering::Release);
        }
        // Relaxed: only this thread touches its depth.
        self.record.depth.store(self.level, Ordering::Relaxed);
    }
}
