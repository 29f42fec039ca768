//! The header every reclaimable node starts with, and the counters a scheme
//! keeps of what it reclaims.
//!
//! Schemes never see a connector or a mark: they receive a `NonNull<Retired>`,
//! queue it however they like (the header carries an intrusive link so the
//! kernel-style destroy lists allocate nothing), and later hand it back to
//! [`Retired::reclaim`], which runs the node's own destructor and counts it.

use std::cell::UnsafeCell;
use std::ptr::{self, NonNull};
use std::time::Instant;

use hdrhistogram::Histogram;

use crate::sync::{lock, AtomicBool, AtomicU64, Mutex, Ordering};

/// What kind of node a [`Retired`] header belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum NodeKind {
    /// A `Connector`.
    Connector,
    /// A `Mark`.
    Mark,
}

/// The intrusive header at offset 0 of every connector and mark.
///
/// NOTE: the kernel's connector keeps its `destroy_next` link apart from the
/// list of marks (sharing them in a union is what crashed 4.12 to 4.16 under
/// LTP's `inotify09`). This header is that link, and it never aliases a field
/// a reader follows.
#[repr(C)]
pub struct Retired {
    /// The link a scheme may use while the node waits to be freed. Only the
    /// scheme that was handed the node touches it.
    pub next: UnsafeCell<*mut Retired>,
    /// Nanoseconds since the counters' base instant when the node was retired,
    /// or 0 when delay tracking is off.
    retired_at: UnsafeCell<u64>,
    kind: NodeKind,
    /// The node's destructor.
    drop_node: unsafe fn(NonNull<Retired>),
}

impl Retired {
    pub(crate) fn new(kind: NodeKind, drop_node: unsafe fn(NonNull<Retired>)) -> Self {
        Retired {
            next: UnsafeCell::new(ptr::null_mut()),
            retired_at: UnsafeCell::new(0),
            kind,
            drop_node,
        }
    }

    /// The kind of node behind this header.
    pub fn kind(&self) -> NodeKind {
        self.kind
    }

    /// Frees the node behind `node` and counts it in `counters`.
    ///
    /// # Safety
    ///
    /// `node` was handed to [`crate::Scheme::retire`] of the scheme that owns
    /// `counters`, no reader can still reach it, and it is reclaimed once.
    pub unsafe fn reclaim(node: NonNull<Retired>, counters: &Counters) {
        // Safety: the caller guarantees the node is still allocated and ours alone.
        let (kind, drop_node, retired_at) = unsafe {
            let header = node.as_ref();
            (header.kind, header.drop_node, *header.retired_at.get())
        };
        counters.on_free(kind, retired_at);
        // Safety: as above; `drop_node` is the destructor the node was built with.
        unsafe { drop_node(node) };
    }
}

/// Counts of allocated, retired and freed nodes, kept by every scheme.
///
/// The model counts allocations and retirements; [`Retired::reclaim`] counts
/// frees, so no scheme can forget to. Live = allocated - freed; pending =
/// retired - freed.
pub struct Counters {
    connectors_allocated: AtomicU64,
    connectors_retired: AtomicU64,
    connectors_freed: AtomicU64,
    marks_allocated: AtomicU64,
    marks_retired: AtomicU64,
    marks_freed: AtomicU64,
    track_delay: AtomicBool,
    base: Instant,
    /// Allocated when tracking is first turned on (each is a few hundred KiB).
    reclaim_delay: Mutex<Option<Histogram<u64>>>,
    batch_free: Mutex<Option<Histogram<u64>>>,
}

/// A snapshot of [`Counters`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CounterSnapshot {
    /// Connectors allocated so far.
    pub connectors_allocated: u64,
    /// Connectors handed to the scheme so far.
    pub connectors_retired: u64,
    /// Connectors freed so far.
    pub connectors_freed: u64,
    /// Marks allocated so far.
    pub marks_allocated: u64,
    /// Marks handed to the scheme so far.
    pub marks_retired: u64,
    /// Marks freed so far.
    pub marks_freed: u64,
}

impl CounterSnapshot {
    /// Connectors allocated and not yet freed (attached or pending).
    pub fn live_connectors(&self) -> u64 {
        self.connectors_allocated
            .saturating_sub(self.connectors_freed)
    }

    /// Connectors retired and waiting for their grace period.
    pub fn pending_connectors(&self) -> u64 {
        self.connectors_retired
            .saturating_sub(self.connectors_freed)
    }

    /// Marks retired and waiting for their grace period.
    pub fn pending_marks(&self) -> u64 {
        self.marks_retired.saturating_sub(self.marks_freed)
    }
}

fn new_histogram() -> Histogram<u64> {
    // One nanosecond to one hour at three significant digits: wide enough for
    // any delay connbench can produce, and allocated once, here.
    Histogram::new_with_bounds(1, 3_600_000_000_000, 3).expect("valid static bounds")
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            connectors_allocated: AtomicU64::new(0),
            connectors_retired: AtomicU64::new(0),
            connectors_freed: AtomicU64::new(0),
            marks_allocated: AtomicU64::new(0),
            marks_retired: AtomicU64::new(0),
            marks_freed: AtomicU64::new(0),
            track_delay: AtomicBool::new(false),
            base: Instant::now(),
            reclaim_delay: Mutex::new(None),
            batch_free: Mutex::new(None),
        }
    }
}

impl Counters {
    /// Starts or stops recording reclamation delays and batch-free times. Off
    /// by default: it reads the clock on every retire and free.
    pub fn set_tracking(&self, on: bool) {
        if on {
            lock(&self.reclaim_delay).get_or_insert_with(new_histogram);
            lock(&self.batch_free).get_or_insert_with(new_histogram);
        }
        self.track_delay.store(on, Ordering::Relaxed);
    }

    /// Whether delays are being recorded.
    pub fn tracking(&self) -> bool {
        self.track_delay.load(Ordering::Relaxed)
    }

    /// Reads every counter. Relaxed: the counters are statistics, not
    /// synchronisation, and a snapshot taken while threads run is approximate.
    pub fn snapshot(&self) -> CounterSnapshot {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        CounterSnapshot {
            connectors_allocated: get(&self.connectors_allocated),
            connectors_retired: get(&self.connectors_retired),
            connectors_freed: get(&self.connectors_freed),
            marks_allocated: get(&self.marks_allocated),
            marks_retired: get(&self.marks_retired),
            marks_freed: get(&self.marks_freed),
        }
    }

    /// The reclamation delays recorded so far, from retire to free, in ns.
    pub fn reclaim_delay(&self) -> Histogram<u64> {
        lock(&self.reclaim_delay)
            .clone()
            .unwrap_or_else(new_histogram)
    }

    /// The time each batch free took, in ns, for schemes that free in batches.
    pub fn batch_free(&self) -> Histogram<u64> {
        lock(&self.batch_free).clone().unwrap_or_else(new_histogram)
    }

    /// Forgets the recorded delays and batch times (not the counts).
    pub fn reset_histograms(&self) {
        for histogram in [&self.reclaim_delay, &self.batch_free] {
            if let Some(h) = lock(histogram).as_mut() {
                h.reset();
            }
        }
    }

    /// A scheme that frees a batch at once reports how long it took.
    pub fn record_batch_free(&self, started: Instant) {
        if self.tracking() {
            let ns = started.elapsed().as_nanos().min(u64::MAX as u128) as u64;
            if let Some(h) = lock(&self.batch_free).as_mut() {
                h.saturating_record(ns.max(1));
            }
        }
    }

    pub(crate) fn on_alloc(&self, kind: NodeKind) {
        match kind {
            NodeKind::Connector => &self.connectors_allocated,
            NodeKind::Mark => &self.marks_allocated,
        }
        .fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a node that was allocated and freed again without ever being
    /// published (a lost race to attach a connector, a refused mark).
    pub(crate) fn on_unpublished_free(&self, kind: NodeKind) {
        match kind {
            NodeKind::Connector => &self.connectors_freed,
            NodeKind::Mark => &self.marks_freed,
        }
        .fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn on_retire(&self, node: &Retired) {
        match node.kind {
            NodeKind::Connector => &self.connectors_retired,
            NodeKind::Mark => &self.marks_retired,
        }
        .fetch_add(1, Ordering::Relaxed);
        if node.kind == NodeKind::Connector && self.tracking() {
            // Safety: the node is not yet handed to the scheme, so the model
            // (our caller) is its only user.
            unsafe { *node.retired_at.get() = self.now_ns().max(1) };
        }
    }

    fn on_free(&self, kind: NodeKind, retired_at: u64) {
        match kind {
            NodeKind::Connector => &self.connectors_freed,
            NodeKind::Mark => &self.marks_freed,
        }
        .fetch_add(1, Ordering::Relaxed);
        if retired_at != 0 && self.tracking() {
            let delay = self.now_ns().saturating_sub(retired_at).max(1);
            if let Some(h) = lock(&self.reclaim_delay).as_mut() {
                h.saturating_record(delay);
            }
        }
    }

    fn now_ns(&self) -> u64 {
        self.base.elapsed().as_nanos().min(u64::MAX as u128) as u64
    }
}
