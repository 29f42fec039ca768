//! The asymmetric fence: `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)`, which
//! lets readers replace their full fence by a compiler fence and makes the
//! grace period pay instead.
//!
//! # What the system call promises
//!
//! When `membarrier(PRIVATE_EXPEDITED)` returns, every thread of the process
//! that was running during the call has executed a full memory barrier at some
//! point between the call's start and its return, and every thread that was
//! not running will pass through one (a context switch) before it runs again.
//! For the ordering arguments of the schemes this is the same as a SeqCst
//! fence, placed somewhere in every other thread's program, that is ordered
//! before the caller's own SeqCst fence right after the call. A reader whose
//! entry is marked by a plain store followed by a compiler fence is therefore
//! ordered as if it had issued the fence itself, either before or after the
//! grace period's barrier.
//!
//! # Registration and fallback
//!
//! The command must be registered once per process
//! (`MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED`). The first call to
//! [`expedited`] tries; if the kernel refuses (or this is not Linux, or a loom
//! build, or Miri), every reader keeps its full fence and the grace period
//! issues an ordinary fence. Setting `CONNBENCH_NO_MEMBARRIER` forces the
//! fallback, to measure it. Readers check [`expedited`] on every entry: one load of a
//! value that never changes once set, predicted perfectly.

use std::sync::OnceLock;

use crate::sync::{compiler_fence, fence, Ordering};

/// `MEMBARRIER_CMD_PRIVATE_EXPEDITED` from `uapi/linux/membarrier.h`.
#[cfg(all(target_os = "linux", not(loom)))]
const CMD_PRIVATE_EXPEDITED: libc::c_int = 1 << 3;
/// `MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED`.
#[cfg(all(target_os = "linux", not(loom)))]
const CMD_REGISTER_PRIVATE_EXPEDITED: libc::c_int = 1 << 4;

// NOTE: a std `OnceLock`, not `crate::sync`: under loom the answer is fixed
// (no membarrier), so nothing here takes part in a checked protocol.
static EXPEDITED: OnceLock<bool> = OnceLock::new();

/// Whether this process uses `membarrier(PRIVATE_EXPEDITED)`; registers on
/// the first call.
#[inline]
pub fn expedited() -> bool {
    *EXPEDITED.get_or_init(register)
}

#[cfg(all(target_os = "linux", not(loom)))]
fn register() -> bool {
    // Miri has no membarrier; the fence fallback is what it can check.
    if cfg!(miri) || std::env::var_os("CONNBENCH_NO_MEMBARRIER").is_some() {
        return false;
    }
    // Safety: `membarrier` takes a command, flags and a CPU id by value and
    // touches no memory of ours.
    let rc = unsafe { libc::syscall(libc::SYS_membarrier, CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) };
    rc == 0
}

#[cfg(not(all(target_os = "linux", not(loom))))]
fn register() -> bool {
    false
}

/// The reader's half: a compiler fence when the grace period issues
/// membarriers, otherwise a SeqCst fence.
#[inline(always)]
pub fn light() {
    if expedited() {
        // Compiler fence: keeps the compiler from moving the reader's loads
        // above its entry store; the CPU is ordered by the writer's membarrier.
        compiler_fence(Ordering::SeqCst);
    } else {
        // SeqCst fence: pairs with the SeqCst fence of `heavy`.
        fence(Ordering::SeqCst);
    }
}

/// The grace period's half: a membarrier on every thread of the process (and
/// a SeqCst fence here), or only the fence when membarrier is not in use.
pub fn heavy() {
    #[cfg(all(target_os = "linux", not(loom)))]
    if expedited() {
        // Safety: as in `register`; the command was registered there.
        let rc = unsafe { libc::syscall(libc::SYS_membarrier, CMD_PRIVATE_EXPEDITED, 0, 0) };
        // The kernel accepted the registration, so it accepts the command;
        // anything else means the readers are unordered.
        assert_eq!(
            rc, 0,
            "membarrier(PRIVATE_EXPEDITED) failed after registration"
        );
    }
    // SeqCst fence: orders this thread's own accesses around the barrier, and
    // pairs with the readers' fences when membarrier is not in use.
    fence(Ordering::SeqCst);
}

/// Which mechanism is in use, for [`crate::Scheme::runtime_note`].
pub fn note() -> String {
    if expedited() {
        "reader fence replaced by membarrier(PRIVATE_EXPEDITED)".to_owned()
    } else {
        "membarrier refused or unavailable: readers issue full fences".to_owned()
    }
}
