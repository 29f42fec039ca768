//! `refcount`: the naive baseline. Every node a reader follows carries a
//! reference count; readers take a reference with an increment that fails on
//! zero and drop it when they move on; the last reference frees.
//!
//! # Algorithm
//!
//! Each connector and mark counts its references in its header
//! ([`Retired`]'s `refs`): one for being linked, one per reader standing on
//! it. Retiring drops the linked reference; whoever drops the last one (the
//! retiring thread, or a reader leaving) frees the node at once.
//!
//! # Why the marks are safe too
//!
//! A reader's reference on the connector does not keep its marks alive: a
//! mark can be removed while its connector stays. So a reader takes a
//! reference on every mark it stands on as well, hand over hand: the next
//! mark is referenced before the current one is released (slots 1 and 2), and
//! a mark that was unlinked under the reader still has its `next` tagged, so
//! the reader restarts instead of following it (the model does that).
//!
//! # The window between load and increment
//!
//! Loading a pointer and then incrementing the count behind it is unsound on
//! its own: the node may be freed in between. Each thread therefore loads and
//! increments inside a short *window*, under a lock of its own that no other
//! reader takes (uncontended: an atomic swap and a store). Before dropping the
//! linked reference, a retiring thread locks and unlocks every thread's window
//! lock in turn. A window that began before that has finished, with its
//! increment counted while the linked reference still held the count above
//! zero; a window that begins after it is ordered after the unlink by the
//! lock, so its load cannot return the node. The increment never meets zero;
//! it refuses zero anyway, and the reader reloads.
//!
//! # Read side
//!
//! Per link: the window lock, a load, a compare-and-swap increment, and the
//! decrement of the node it leaves: three read-modify-writes on shared lines
//! per mark, contended by every reader of the same object. Retiring costs a
//! sweep of every thread's window lock.
//!
//! # Memory bound
//!
//! Exact: a node is freed the moment its last reader leaves it.
//!
//! # Source
//!
//! Valois's lock-free reference counting (PODC 1995) and the kernel's
//! `refcount_inc_not_zero`, with per-thread window locks in place of
//! type-stable memory.

use std::marker::PhantomData;
use std::ptr::{self, NonNull};

use crate::engine::registry::PerThread;
use crate::engine::tally::Tally;
use crate::retired::{Counters, Retired};
use crate::scheme::{ConnectorPolicy, ReadGuard, Scheme, PROTECT_SLOTS};
use crate::sync::{fence, lock, AtomicPtr, Mutex, Ordering};

/// The tag bits a link may carry (see `model::mark::UNLINKED`).
const TAG_MASK: usize = 1;

/// The `refcount` scheme.
pub struct Refcount {
    windows: PerThread<Mutex<()>>,
    tally: Tally,
    counters: Counters,
}

/// A read-side section: the references it holds, one per slot.
pub struct RefcountGuard<'s> {
    scheme: &'s Refcount,
    window: &'s Mutex<()>,
    held: [*mut Retired; PROTECT_SLOTS],
    _not_send: PhantomData<*const ()>,
}

impl Refcount {
    /// Drops one reference to `node`, freeing it on the last.
    ///
    /// # Safety
    ///
    /// The caller owns one reference to `node` and gives it up.
    unsafe fn release(&self, node: NonNull<Retired>) {
        // Safety: our reference keeps the node allocated.
        let refs = unsafe { &node.as_ref().refs };
        // Release: our uses of the node happen before its free; the Acquire
        // fence on the last release pairs with every other release.
        if refs.fetch_sub(1, Ordering::Release) == 1 {
            fence(Ordering::Acquire);
            // Safety: the last reference, and the linked one is gone, so the
            // node is retired and unreachable; only one thread sees zero.
            unsafe { self.tally.reclaim(node, &self.counters) };
        }
    }
}

// Safety: a node is freed only when its count reaches zero, which needs the
// linked reference dropped (by `retire`, after the unlink and the sweep of
// window locks) and every reader's reference dropped; no reader can take a
// new one then (module doc). The count reaches zero once, so one free.
unsafe impl Scheme for Refcount {
    type Guard<'s> = RefcountGuard<'s>;

    const ID: &'static str = "refcount";
    const DESCRIPTION: &'static str =
        "naive baseline: readers count references on each node they walk, the last reference frees";
    const POLICY: ConnectorPolicy = ConnectorPolicy::FreeOnLastDetach;

    fn new() -> Self {
        Refcount {
            windows: PerThread::new(),
            tally: Tally::default(),
            counters: Counters::default(),
        }
    }

    #[inline]
    fn read_lock(&self) -> Self::Guard<'_> {
        RefcountGuard {
            scheme: self,
            window: self.windows.mine(),
            held: [ptr::null_mut(); PROTECT_SLOTS],
            _not_send: PhantomData,
        }
    }

    unsafe fn retire(&self, node: NonNull<Retired>) {
        self.tally.on_retire();
        // Wait out every window that may have loaded the node before its
        // unlink (module doc); the lock orders later windows after it.
        // The read-modify-write read of the threads in use pairs with a
        // reader's `mine`, so a thread this misses begins after the unlink.
        for window in self.windows.used_synchronized() {
            drop(lock(window));
        }
        // Safety: the linked reference, given up once, here.
        unsafe { self.release(node) };
    }

    fn barrier(&self) {
        // Nodes are freed when their last reader leaves; wait for that.
        self.tally.wait_for_backlog(|| {});
    }

    fn counters(&self) -> &Counters {
        &self.counters
    }
}

impl ReadGuard for RefcountGuard<'_> {
    #[inline]
    fn protect<T>(&mut self, slot: usize, link: &AtomicPtr<T>) -> *mut T {
        let loaded = {
            let _window = lock(self.window);
            loop {
                // Acquire: pairs with the Release that published the node.
                let loaded = link.load(Ordering::Acquire);
                if loaded.is_null() || loaded.addr() & TAG_MASK != 0 {
                    // Nothing the model will dereference: hold nothing.
                    break loaded;
                }
                // Safety: every node a protected link points to starts with
                // its `Retired` header, and inside the window it is not freed.
                let refs = unsafe { &(*loaded.cast::<Retired>()).refs };
                // Relaxed: the window, not the count, orders the load; the
                // node's contents were published by the Acquire above.
                let taken = refs.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                    (n != 0).then_some(n + 1)
                });
                if taken.is_ok() {
                    break loaded;
                }
            }
        };
        let previous = std::mem::replace(&mut self.held[slot], held_node(loaded));
        if let Some(previous) = NonNull::new(previous) {
            // Safety: the reference this slot held, given up once.
            unsafe { self.scheme.release(previous) };
        }
        loaded
    }
}

/// The node a loaded link holds a reference to, or null.
fn held_node<T>(loaded: *mut T) -> *mut Retired {
    if loaded.addr() & TAG_MASK != 0 {
        ptr::null_mut()
    } else {
        loaded.cast()
    }
}

impl Drop for RefcountGuard<'_> {
    fn drop(&mut self) {
        for node in self.held {
            if let Some(node) = NonNull::new(node) {
                // Safety: each slot's reference, given up once.
                unsafe { self.scheme.release(node) };
            }
        }
    }
}
