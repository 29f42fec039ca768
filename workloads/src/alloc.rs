//! Counting allocation calls and bytes, per thread, under any allocator.
//!
//! # Design
//!
//! [`CountingAlloc`] wraps the program's global allocator (jemalloc in
//! `connbench`, dhat under the `dhat-heap` feature, the system allocator in
//! tests). Each thread claims a cache-line-sized slot of [`SLOTS`] on its
//! first allocation and is the only writer of it, so counting is a relaxed
//! load and store, no read-modify-write and no shared cache line. Threads
//! beyond the table share the last slot, which is counted with `fetch_add`.
//! [`totals`] sums every slot; the driver reads it before and after the
//! measured phase, so frees done by a scheme's own worker threads count too.
//!
//! A `realloc` counts as one allocation of the new size and one free of the
//! old. Bytes are the sizes asked for, not what the allocator rounded them up
//! to.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// Per-thread slots; threads beyond them share the last one.
pub const SLOTS: usize = 1024;

#[repr(align(64))]
struct Slot {
    allocs: AtomicU64,
    frees: AtomicU64,
    bytes_allocated: AtomicU64,
    bytes_freed: AtomicU64,
}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: Slot = Slot {
    allocs: AtomicU64::new(0),
    frees: AtomicU64::new(0),
    bytes_allocated: AtomicU64::new(0),
    bytes_freed: AtomicU64::new(0),
};

static TABLE: [Slot; SLOTS] = [EMPTY; SLOTS];
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);

thread_local! {
    // Const-initialised and without a destructor, so it is usable at any
    // point of a thread's life, its teardown included.
    static MY_SLOT: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// Allocation counts, summed over every thread.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllocTotals {
    /// Allocation calls (`alloc`, `alloc_zeroed`, `realloc`).
    pub allocs: u64,
    /// Free calls (`dealloc`, `realloc`).
    pub frees: u64,
    /// Bytes asked for.
    pub bytes_allocated: u64,
    /// Bytes given back.
    pub bytes_freed: u64,
}

impl AllocTotals {
    /// What happened between `earlier` and `self`.
    pub fn since(&self, earlier: &AllocTotals) -> AllocTotals {
        AllocTotals {
            allocs: self.allocs.wrapping_sub(earlier.allocs),
            frees: self.frees.wrapping_sub(earlier.frees),
            bytes_allocated: self.bytes_allocated.wrapping_sub(earlier.bytes_allocated),
            bytes_freed: self.bytes_freed.wrapping_sub(earlier.bytes_freed),
        }
    }
}

/// Whether a [`CountingAlloc`] is the global allocator (it has counted once).
pub fn installed() -> bool {
    INSTALLED.load(Ordering::Relaxed)
}

/// Sums every thread's counts. Relaxed: counts of threads still running are
/// approximate; counts of threads that have been joined are exact, since the
/// join orders their writes before this read.
pub fn totals() -> AllocTotals {
    let mut sum = AllocTotals::default();
    for slot in &TABLE {
        sum.allocs += slot.allocs.load(Ordering::Relaxed);
        sum.frees += slot.frees.load(Ordering::Relaxed);
        sum.bytes_allocated += slot.bytes_allocated.load(Ordering::Relaxed);
        sum.bytes_freed += slot.bytes_freed.load(Ordering::Relaxed);
    }
    sum
}

/// A global allocator that counts calls and bytes, then forwards to `A`.
pub struct CountingAlloc<A>(pub A);

fn my_slot() -> (usize, bool) {
    let index = MY_SLOT
        .try_with(|slot| {
            if slot.get() == usize::MAX {
                slot.set(NEXT_SLOT.fetch_add(1, Ordering::Relaxed).min(SLOTS - 1));
            }
            slot.get()
        })
        .unwrap_or(SLOTS - 1);
    (index, index == SLOTS - 1)
}

#[inline]
fn bump(counter: &AtomicU64, by: u64, shared: bool) {
    if shared {
        counter.fetch_add(by, Ordering::Relaxed);
    } else {
        // Only this thread writes its slot, so a load and a store suffice.
        counter.store(
            counter.load(Ordering::Relaxed).wrapping_add(by),
            Ordering::Relaxed,
        );
    }
}

fn count_alloc(size: usize) {
    let (index, shared) = my_slot();
    let slot = &TABLE[index];
    bump(&slot.allocs, 1, shared);
    bump(&slot.bytes_allocated, size as u64, shared);
    if !INSTALLED.load(Ordering::Relaxed) {
        INSTALLED.store(true, Ordering::Relaxed);
    }
}

fn count_free(size: usize) {
    let (index, shared) = my_slot();
    let slot = &TABLE[index];
    bump(&slot.frees, 1, shared);
    bump(&slot.bytes_freed, size as u64, shared);
}

// Safety: every method forwards its arguments unchanged to `A`, which upholds
// `GlobalAlloc`'s contract; counting touches only static atomics and a
// const-initialised thread-local, and never allocates.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAlloc<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_alloc(layout.size());
        // Safety: the caller's layout is passed on unchanged.
        unsafe { self.0.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_alloc(layout.size());
        // Safety: as in `alloc`.
        unsafe { self.0.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count_free(layout.size());
        // Safety: the caller guarantees `ptr` came from this allocator (so from
        // `A`) with `layout`.
        unsafe { self.0.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_free(layout.size());
        count_alloc(new_size);
        // Safety: as in `dealloc`; `new_size` is the caller's.
        unsafe { self.0.realloc(ptr, layout, new_size) }
    }
}
