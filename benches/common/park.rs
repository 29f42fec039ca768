//! Parking every other thread of the process, so that Callgrind counts what
//! the calling thread does and nothing it races with.
//!
//! # Why
//!
//! Under Valgrind the threads of a process take turns, and which one runs
//! after a system call is up to the OS scheduler. A scheme's background
//! worker (the destroy-list reaper of `keep` and `srcu`), woken by the
//! measured thread's first `retire`, may take part of the list before the
//! measured thread's barrier does; the measured thread then frees fewer
//! nodes, notifies the worker again, or waits on its lock, and its count
//! changes from run to run (32,275 to 37,208 instructions for the same
//! 64-cycle batch of `keep`, measured).
//!
//! With the other threads parked, the barrier frees everything itself, and
//! the count is that of a caller that reclaims synchronously.
//!
//! # How
//!
//! A `SIGUSR1` handler acknowledges on one pipe and then blocks reading
//! another that is never written. [`park_other_threads`] sends the signal to
//! every other task of the process and waits for their acknowledgements.
//! Parked threads stay parked until the process exits: gungraun runs every
//! benchmark in a process of its own.
//!
//! # When
//!
//! A thread parked while it holds a lock the caller needs would hang the
//! benchmark. Call it only when the others are idle: after a barrier, and
//! after the pause it takes first, which lets a worker woken by the last
//! retire find its list empty and go back to sleep on its condition variable,
//! where it holds nothing.

use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

/// The write end of the acknowledgement pipe.
static ACK_FD: AtomicI32 = AtomicI32::new(-1);
/// The read end of the pipe parked threads block on.
static HOLD_FD: AtomicI32 = AtomicI32::new(-1);

/// How long other threads get to finish what they are doing before the
/// signal reaches them. Valgrind runs a reaper's batch in milliseconds.
const SETTLE: Duration = Duration::from_millis(100);

/// The signal handler: acknowledge, then block for good.
extern "C" fn hold(_signal: libc::c_int) {
    // Relaxed: both were stored before the handler was installed, and
    // `sigaction` and `tgkill` are system calls that order them.
    let ack = ACK_FD.load(Ordering::Relaxed);
    let hold = HOLD_FD.load(Ordering::Relaxed);
    let byte = 1u8;
    let mut sink = 0u8;
    // Safety: `write` and `read` are async-signal-safe; both buffers live in
    // this frame, and the descriptors stay open until the process exits.
    unsafe {
        libc::write(ack, (&byte as *const u8).cast(), 1);
        // Nothing is ever written to the hold pipe and its write end is never
        // closed: `read` returns only when interrupted, and we read again.
        while libc::read(hold, (&mut sink as *mut u8).cast(), 1) != 0 {}
    }
}

/// Parks every thread of this process but the caller, until the process
/// exits. Returns how many were parked.
///
/// # Panics
///
/// When a pipe, the signal handler or `/proc/self/task` is unavailable:
/// the benchmark cannot give stable counts without them.
pub fn park_other_threads() -> usize {
    std::thread::sleep(SETTLE);

    let ack = pipe();
    let hold = pipe();
    ACK_FD.store(ack[1], Ordering::Relaxed);
    HOLD_FD.store(hold[0], Ordering::Relaxed);
    install_handler();

    // Every task of the process but this one.
    // Safety: `gettid` has no preconditions.
    let me = unsafe { libc::gettid() };
    let others: Vec<libc::pid_t> = std::fs::read_dir("/proc/self/task")
        .expect("reading /proc/self/task")
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter(|&tid| tid != me)
        .collect();

    // Safety: `getpid` has no preconditions.
    let pid = unsafe { libc::getpid() };
    for &tid in &others {
        // Safety: `tgkill` with a tid of our own process and a signal whose
        // handler is installed above.
        let sent = unsafe { libc::syscall(libc::SYS_tgkill, pid, tid, libc::SIGUSR1) };
        assert_eq!(sent, 0, "tgkill of thread {tid}");
    }

    // One acknowledgement per parked thread.
    let mut acknowledged = 0;
    while acknowledged < others.len() {
        let mut byte = 0u8;
        // Safety: reads one byte into a local.
        let n = unsafe { libc::read(ack[0], (&mut byte as *mut u8).cast(), 1) };
        if n == 1 {
            acknowledged += 1;
        }
    }
    others.len()
}

fn pipe() -> [libc::c_int; 2] {
    let mut fds = [-1; 2];
    // Safety: `fds` has room for the two descriptors `pipe` writes.
    let made = unsafe { libc::pipe(fds.as_mut_ptr()) };
    assert_eq!(made, 0, "creating a pipe");
    fds
}

fn install_handler() {
    // Safety: an all-zero `sigaction` is a valid value of this plain C struct.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = hold as extern "C" fn(libc::c_int) as libc::sighandler_t;
    action.sa_flags = libc::SA_RESTART;
    // Safety: `sa_mask` is a valid, owned `sigset_t`; `action` is fully
    // initialised and `hold` only calls async-signal-safe functions.
    let installed = unsafe {
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut())
    };
    assert_eq!(installed, 0, "installing the SIGUSR1 handler");
}
