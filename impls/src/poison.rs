//! Use-after-free detection for tests: a magic word in every connector and
//! mark, poisoned when the node is freed.
//!
//! With the `poison` feature (on in this crate's own tests), freeing a node
//! overwrites its magic word and parks the allocation in a quarantine instead
//! of returning it to the allocator at once, so the word stays poisoned long
//! enough for a late reader to see it. Readers check the word after they read
//! a node, and panic on a poisoned one. Without the feature both steps compile
//! to nothing and the memory is freed at once.

use std::alloc::Layout;

// NOTE: std's atomic, not `crate::sync`'s: the magic word is instrumentation,
// not part of any protocol, and it must stay readable after the node's other
// fields (loom objects among them) have been dropped.
pub(crate) use std::sync::atomic::AtomicU32 as MagicWord;
use std::sync::atomic::{AtomicU32, Ordering};

/// The magic word of a live node.
pub(crate) const LIVE: u32 = 0x0C01_7EC7;
/// The magic word of a freed node.
#[cfg_attr(not(feature = "poison"), allow(dead_code))]
pub(crate) const POISON: u32 = 0xDEAD_F4EE;

/// Panics if `magic` says the node it belongs to has been freed.
#[inline(always)]
pub(crate) fn check(magic: &AtomicU32, what: &str) {
    #[cfg(feature = "poison")]
    {
        // Relaxed: the reader only needs the word's current value; a freed node
        // that still reads LIVE is caught by the next reader that comes by.
        let word = magic.load(Ordering::Relaxed);
        if word != LIVE {
            panic!("use-after-free: a reader reached a freed {what} (magic {word:#x})");
        }
    }
    #[cfg(not(feature = "poison"))]
    let _ = (magic, what);
}

/// Poisons a node's magic word just before the node is dropped.
#[inline(always)]
pub(crate) fn poison(magic: &AtomicU32) {
    #[cfg(feature = "poison")]
    magic.store(POISON, Ordering::Relaxed);
    #[cfg(not(feature = "poison"))]
    let _ = (magic, Ordering::Relaxed);
}

/// Releases the memory of a node whose contents have been dropped.
///
/// # Safety
///
/// `ptr` was allocated by the global allocator with `layout`, its contents
/// have been dropped, and it is released once.
pub(crate) unsafe fn release(ptr: *mut u8, layout: Layout) {
    // Under Miri the memory goes back at once: Miri itself reports any later
    // access, more precisely than the poison could.
    #[cfg(all(feature = "poison", not(miri)))]
    {
        quarantine::park(ptr, layout);
    }
    #[cfg(any(not(feature = "poison"), miri))]
    {
        // Safety: the caller's contract.
        unsafe { std::alloc::dealloc(ptr, layout) };
    }
}

#[cfg(all(feature = "poison", not(miri)))]
mod quarantine {
    use std::alloc::Layout;
    use std::collections::VecDeque;
    use std::sync::Mutex;

    /// How many freed nodes stay parked before the oldest goes back to the
    /// allocator: enough to outlast any reader stalled by a preemption.
    const CAPACITY: usize = 1 << 14;

    struct Parked(*mut u8, Layout);
    // Safety: a parked allocation belongs to no thread; only this module frees it.
    unsafe impl Send for Parked {}

    // NOTE: a plain std mutex, not `crate::sync`: the quarantine is test
    // instrumentation outside the protocol loom checks, and it outlives every
    // loom execution.
    static PARKED: Mutex<VecDeque<Parked>> = Mutex::new(VecDeque::new());

    pub(super) fn park(ptr: *mut u8, layout: Layout) {
        let evicted = {
            let mut parked = PARKED.lock().unwrap_or_else(|e| e.into_inner());
            parked.push_back(Parked(ptr, layout));
            if parked.len() > CAPACITY {
                parked.pop_front()
            } else {
                None
            }
        };
        if let Some(Parked(ptr, layout)) = evicted {
            // Safety: parked once by `release`, whose caller gave us the
            // allocation and its layout; it leaves the queue once.
            unsafe { std::alloc::dealloc(ptr, layout) };
        }
    }
}
