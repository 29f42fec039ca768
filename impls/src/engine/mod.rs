//! The machinery the schemes are built from: per-thread slots, the SRCU
//! grace-period engine, and the destroy-list worker. The schemes in
//! `crate::schemes` put these together behind the [`crate::Scheme`] trait.

#[cfg(not(loom))]
pub mod adapter;
pub mod hazard;
pub mod membarrier;
pub mod reaper;
pub mod registry;
pub mod srcu;
pub mod tally;
pub mod urcu;

use std::time::Duration;

/// Waiting for other threads: yield a few times, then sleep with a growing
/// pause, so a grace period stuck behind a stalled reader does not take a
/// whole core from the threads being measured.
#[derive(Default)]
pub struct Backoff {
    rounds: u32,
}

impl Backoff {
    const YIELDS: u32 = 16;
    const MAX_SLEEP: Duration = Duration::from_millis(1);

    /// Waits a little longer than last time.
    pub fn wait(&mut self) {
        self.rounds = self.rounds.saturating_add(1);
        if cfg!(loom) || self.rounds <= Self::YIELDS {
            crate::sync::spin_wait();
        } else {
            let exp = (self.rounds - Self::YIELDS).min(10);
            let pause = Duration::from_micros(1 << exp).min(Self::MAX_SLEEP);
            std::thread::sleep(pause);
        }
    }
}
