//! The one door through which the model and the schemes reach atomics, locks
//! and threads, so that `--cfg loom` can swap in loom's checked versions.
//!
//! Everything here is a re-export; nothing is implemented by hand. Code outside
//! this module names `crate::sync::...` and never `std::sync` directly for
//! anything that takes part in a synchronisation protocol.

#[cfg(not(loom))]
#[allow(unused_imports)]
pub(crate) use std::sync::{
    atomic::{
        compiler_fence, fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering,
    },
    Arc, Condvar, Mutex, MutexGuard,
};

#[cfg(loom)]
pub(crate) use loom::sync::{
    atomic::{fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering},
    Arc, Condvar, Mutex, MutexGuard,
};

/// Loom does not model compiler fences; a full fence is the closest it checks.
#[cfg(loom)]
#[allow(dead_code)]
pub(crate) fn compiler_fence(order: Ordering) {
    loom::sync::atomic::fence(order)
}

/// Declares a thread-local that loom tracks per modelled thread.
#[cfg(not(loom))]
macro_rules! thread_local_slot {
    ($($tt:tt)*) => { std::thread_local!($($tt)*); };
}
#[cfg(loom)]
macro_rules! thread_local_slot {
    ($($tt:tt)*) => { loom::thread_local!($($tt)*); };
}
pub(crate) use thread_local_slot;

/// Locks a mutex, treating poisoning as a bug elsewhere: a panic while one of
/// the model's locks is held has already failed the test that caused it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Spins politely: under loom this hands the turn to another modelled thread.
pub(crate) fn spin_wait() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    std::thread::yield_now();
}
