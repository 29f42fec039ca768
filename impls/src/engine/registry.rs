//! Per-thread slots: each thread that touches a scheme gets a small index,
//! reused after the thread exits, and every scheme keeps one cache-padded slot
//! per index that only that thread writes.
//!
//! This is the per-thread sharding of SRCU's counters and the home of hazard
//! pointers. A fixed table keeps lookups to an index and a bounds check.

use crossbeam_utils::CachePadded;

use crate::sync::{lock, thread_local_slot, AtomicUsize, Mutex, Ordering};

/// The most threads that may use connbench's schemes at once.
#[cfg(not(loom))]
pub const MAX_THREADS: usize = 256;
/// Loom tracks every atomic it creates; a model has a handful of threads.
#[cfg(loom)]
pub const MAX_THREADS: usize = 6;

/// Indices handed out so far, and those given back by exited threads.
struct Indices {
    next: usize,
    free: Vec<usize>,
}

#[cfg(not(loom))]
static INDICES: Mutex<Indices> = Mutex::new(Indices {
    next: 0,
    free: Vec::new(),
});

#[cfg(loom)]
loom::lazy_static! {
    static ref INDICES: Mutex<Indices> = Mutex::new(Indices { next: 0, free: Vec::new() });
}

/// A thread's index, given back when the thread exits.
struct ThreadIndex(usize);

impl ThreadIndex {
    fn acquire() -> Self {
        let mut indices = lock(&INDICES);
        let index = indices.free.pop().unwrap_or_else(|| {
            indices.next += 1;
            indices.next - 1
        });
        assert!(
            index < MAX_THREADS,
            "more than {MAX_THREADS} threads use connbench's schemes at once"
        );
        ThreadIndex(index)
    }
}

// NOTE: under loom the statics are made anew for every execution and cannot
// be touched from thread-local destructors, so indices are not given back;
// a model runs only a handful of threads.
#[cfg(not(loom))]
impl Drop for ThreadIndex {
    fn drop(&mut self) {
        // The mutex orders the exiting thread's last writes to its slots
        // before the next thread that receives this index.
        lock(&INDICES).free.push(self.0);
    }
}

thread_local_slot! {
    static INDEX: ThreadIndex = ThreadIndex::acquire();
}

/// This thread's index.
pub fn thread_index() -> usize {
    INDEX.with(|index| index.0)
}

/// One `T` per thread index, and how many indices have been used.
pub struct PerThread<T> {
    slots: Box<[CachePadded<T>]>,
    /// One past the highest index that has used a slot. Scans stop here.
    high_water: AtomicUsize,
}

impl<T: Default> PerThread<T> {
    /// A slot for every possible thread index.
    pub fn new() -> Self {
        PerThread {
            slots: (0..MAX_THREADS)
                .map(|_| CachePadded::new(T::default()))
                .collect(),
            high_water: AtomicUsize::new(0),
        }
    }
}

impl<T: Default> Default for PerThread<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> PerThread<T> {
    /// This thread's slot.
    #[inline]
    pub fn mine(&self) -> &T {
        let index = thread_index();
        // Relaxed: a scheme's reader raises the mark before it stores to its
        // slot and then issues a SeqCst fence; its scan loads the mark after a
        // SeqCst fence of its own. If the reader's fence comes first, the scan
        // sees the raised mark; if the scan's comes first, the reader began
        // after the scan and needs no waiting for.
        if self.high_water.load(Ordering::Relaxed) <= index {
            self.high_water.fetch_max(index + 1, Ordering::Relaxed);
        }
        &self.slots[index]
    }

    /// The slots used so far.
    pub fn used(&self) -> impl Iterator<Item = &T> {
        let used = self.high_water.load(Ordering::Relaxed);
        self.slots[..used].iter().map(|slot| &**slot)
    }
}
