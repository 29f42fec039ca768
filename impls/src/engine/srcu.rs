//! Sleepable RCU: the grace-period engine of the `keep` and `srcu` schemes,
//! in the manner of the kernel's classic SRCU (`kernel/rcu/srcu.c` before
//! Tree SRCU) with per-thread instead of per-CPU counters.
//!
//! # Read side
//!
//! A reader reads the current index `idx` (0 or 1), adds one to its own
//! `lock[idx]` counter and issues a SeqCst fence (the kernel's `smp_mb()` B);
//! on exit it adds one to `unlock[idx]` with Release. Each counter has a
//! single writer, its thread, so the additions are a load and a store, not a
//! read-modify-write. Readers never wait, may nest, and may sleep.
//!
//! # Grace period
//!
//! Under a mutex, [`Srcu::synchronize`]:
//!
//! 1. issues a SeqCst fence (A), ordering the caller's unlinks before the
//!    counter reads;
//! 2. waits until the readers counted on the *inactive* index are gone: a
//!    reader may have read that index just before the previous flip and only
//!    now incremented it, and it started before this grace period;
//! 3. flips `idx`, so new readers count on the other index, and fences;
//! 4. waits until the readers counted on the old index are gone;
//! 5. fences again, so the frees that follow come after the counter reads.
//!
//! "Gone" means: the sum of `unlock[i]` over all threads, then a SeqCst
//! fence, then the sum of `lock[i]`, and the two are equal.
//!
//! # Why it is safe
//!
//! Take a reader that loads a pointer to connector C, which an updater
//! unlinked before calling `synchronize`. The reader's fence B and the grace
//! period's fences are in one total order S.
//!
//! - If the reader's B precedes the fence before a counter read in S, that
//!   read sees the reader's `lock` increment (store before B, load after the
//!   later fence). If the grace period also sees its `unlock`, the Release of
//!   that store and the fence after the `unlock` read make every load of the
//!   reader happen before the free. If it does not see the `unlock`, the sums
//!   differ and it waits.
//! - If the grace period's fence A precedes B in S, the unlink (before A)
//!   happens before the reader's protected load (after B), so the reader
//!   cannot load C at all.
//!
//! Reading `unlock` before `lock` means a reader whose exit is counted always
//! has its entry counted, so equal sums never hide a reader that is inside.
//! Sums wrap; only their equality matters.

use crate::engine::registry::PerThread;
use crate::engine::Backoff;
use crate::sync::{fence, lock, AtomicU64, AtomicUsize, Mutex, Ordering};

/// A thread's SRCU counters: entries and exits on each index.
#[derive(Default)]
pub struct ReaderCounters {
    lock: [AtomicU64; 2],
    unlock: [AtomicU64; 2],
}

/// Whether the reader's entry fence is issued by the reader or, as with the
/// kernel's later `srcu_read_lock_fast`, left to the grace period.
pub trait ReaderFence: Send + Sync + 'static {
    /// Orders the reader's counter increment before its protected loads.
    fn after_lock();
    /// Orders the grace period's counter reads against readers that used
    /// [`ReaderFence::after_lock`]; called where the grace period fences.
    fn grace_period_fence();
    /// Which mechanism is in use, for [`crate::Scheme::runtime_note`].
    fn note() -> String {
        String::new()
    }
}

/// The classic reader: a full fence on entry, as `srcu_read_lock` does.
pub struct FullFence;

impl ReaderFence for FullFence {
    #[inline(always)]
    fn after_lock() {
        // SeqCst fence (B): pairs with the grace period's fences, see the
        // module's safety argument.
        fence(Ordering::SeqCst);
    }

    #[inline(always)]
    fn grace_period_fence() {
        fence(Ordering::SeqCst);
    }
}

/// The reader of the kernel's `srcu_read_lock_fast`: only a compiler fence
/// on entry; the grace period issues `membarrier(PRIVATE_EXPEDITED)` wherever
/// the classic one fences (see [`crate::engine::membarrier`]). When the kernel
/// refuses membarrier, both sides fall back to [`FullFence`]'s fences.
pub struct MembarrierFence;

impl ReaderFence for MembarrierFence {
    #[inline(always)]
    fn after_lock() {
        crate::engine::membarrier::light();
    }

    fn grace_period_fence() {
        crate::engine::membarrier::heavy();
    }

    fn note() -> String {
        crate::engine::membarrier::note()
    }
}

/// An SRCU domain.
pub struct Srcu<F: ReaderFence = FullFence> {
    idx: AtomicUsize,
    readers: PerThread<ReaderCounters>,
    gp_lock: Mutex<()>,
    _fence: std::marker::PhantomData<F>,
}

/// An SRCU read-side section: remembers the index it counted on.
pub struct SrcuReadGuard<'a> {
    counters: &'a ReaderCounters,
    idx: usize,
    /// Not `Send`: the exit must be counted by the thread that owns the
    /// counter, its only writer.
    _not_send: std::marker::PhantomData<*const ()>,
}

impl<F: ReaderFence> Srcu<F> {
    /// A domain with no readers.
    pub fn new() -> Self {
        Srcu {
            idx: AtomicUsize::new(0),
            readers: PerThread::new(),
            gp_lock: Mutex::new(()),
            _fence: std::marker::PhantomData,
        }
    }

    /// `srcu_read_lock`.
    #[inline]
    pub fn read_lock(&self) -> SrcuReadGuard<'_> {
        let counters = self.readers.mine();
        // Relaxed: which index a reader uses matters only through the counter
        // it then increments, which the grace period checks on both indices.
        let idx = self.idx.load(Ordering::Relaxed) & 1;
        let entries = &counters.lock[idx];
        // Relaxed: this thread is the counter's only writer; the fence below
        // orders the store.
        entries.store(
            entries.load(Ordering::Relaxed).wrapping_add(1),
            Ordering::Relaxed,
        );
        F::after_lock();
        SrcuReadGuard {
            counters,
            idx,
            _not_send: std::marker::PhantomData,
        }
    }

    /// `synchronize_srcu`: returns once every reader that started before the
    /// call has ended.
    pub fn synchronize(&self) {
        let _gp = lock(&self.gp_lock);
        // Fence A: the caller's unlinks come before the counter reads.
        F::grace_period_fence();
        let active = self.idx.load(Ordering::Relaxed) & 1;
        self.wait_for_readers(active ^ 1);
        // Relaxed: readers that miss the flip count on the old index, which
        // the wait below covers; the fence orders the flip before it.
        self.idx.store(active ^ 1, Ordering::Relaxed);
        F::grace_period_fence();
        self.wait_for_readers(active);
        // The frees the caller makes next come after every counter read.
        F::grace_period_fence();
    }

    fn wait_for_readers(&self, idx: usize) {
        let mut backoff = Backoff::default();
        while !self.readers_gone(idx) {
            backoff.wait();
        }
    }

    fn readers_gone(&self, idx: usize) -> bool {
        // Acquire: pairs with the Release of each reader's exit, so its reads
        // happen before what follows a successful check.
        let exits = self.readers.used().fold(0u64, |sum, c| {
            sum.wrapping_add(c.unlock[idx].load(Ordering::Acquire))
        });
        // SeqCst fence: exits are read before entries, so a counted exit has
        // a counted entry. Only this thread's two reads need ordering (the
        // readers' entries were made visible by the grace-period fence before
        // the wait), so even `srcu-fast` uses a plain fence here.
        fence(Ordering::SeqCst);
        let entries = self.readers.used().fold(0u64, |sum, c| {
            sum.wrapping_add(c.lock[idx].load(Ordering::Relaxed))
        });
        exits == entries
    }
}

impl Drop for SrcuReadGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        let exits = &self.counters.unlock[self.idx];
        // Release: every read of the section happens before a grace period
        // that sees this exit (its load is Acquire).
        exits.store(
            exits.load(Ordering::Relaxed).wrapping_add(1),
            Ordering::Release,
        );
    }
}

impl<F: ReaderFence> Default for Srcu<F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F: ReaderFence> crate::engine::reaper::GracePeriod for Srcu<F> {
    fn synchronize(&self) {
        Srcu::synchronize(self)
    }
}
