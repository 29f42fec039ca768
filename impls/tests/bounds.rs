//! What a stalled reader does to the backlog of connectors waiting to be
//! freed: bounded for `hazard`, growing for `rcu`.
//!
//! One thread enters a read-side section, protects a connector and stays
//! there for the whole run; another attaches and detaches the only mark of
//! many inodes in turn, each cycle retiring a connector. The samples of
//! pending connectors show the difference between the two kinds of scheme.

use std::sync::mpsc;

use connbench_impls::schemes::{Hazard, Rcu};
use connbench_impls::{Fsnotify, Scheme};

const INODES: u32 = 64;
const CYCLES: usize = 2_000;

/// Runs the temporary-watch cycles on inodes 1.. while a reader holds inode
/// 0's connector protected, and returns the pending connectors after each
/// cycle (sampled inside the run) and the scheme's state at the end of it.
fn stalled_run<S: Scheme, R>(inspect: impl FnOnce(&Fsnotify<S>, &[u64]) -> R) -> R {
    let fs = Fsnotify::<S>::new(INODES, 0);
    let group = fs.new_group(1);
    let stalled = fs.igrab(fs.inode(0)).expect("inode 0 is live");
    let mark = fs.add_mark(&stalled, &group, 1).expect("first mark");

    let (entered_tx, entered_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let result = std::thread::scope(|scope| {
        let (fs, stalled) = (&fs, &stalled);
        scope.spawn(move || {
            let mut guard = fs.scheme().read_lock();
            assert!(fs.protect_connector(&mut guard, stalled));
            entered_tx.send(()).expect("the writer waits");
            // Stay inside the section until the writer is done.
            let _ = done_rx.recv();
            drop(guard);
        });
        entered_rx.recv().expect("the reader entered");

        // The stalled reader's connector is retired too.
        assert!(fs.remove_mark(mark));
        let mut pending = Vec::with_capacity(CYCLES);
        for cycle in 0..CYCLES {
            let id = fs.inode(1 + cycle as u32 % (INODES - 1));
            let obj = fs.igrab(id).expect("live inode");
            let mark = fs.add_mark(&obj, &group, 1).expect("no mark yet");
            assert!(fs.remove_mark(mark));
            pending.push(fs.snapshot().pending_connectors());
        }
        let result = inspect(fs, &pending);
        done_tx.send(()).expect("the reader is waiting");
        result
    });
    drop(stalled);

    // Once the reader leaves, everything goes.
    fs.barrier();
    let end = fs.snapshot();
    assert_eq!(end.pending_connectors(), 0, "{}: {end:?}", S::ID);
    result
}

#[test]
fn hazard_pending_stays_bounded_under_a_stalled_reader() {
    let max = stalled_run::<Hazard, _>(|fs, pending| {
        let max = pending.iter().copied().max().unwrap_or(0);
        let min = pending.iter().copied().min().unwrap_or(0);
        (max, min, fs.scheme().pending_bound() as u64)
    });
    let (max, min, bound) = (max.0, max.1, max.2);
    // The protected connector is never freed while the reader stays.
    assert!(min >= 1, "hazard freed the connector a reader protects");
    assert!(
        max <= bound,
        "hazard let {max} connectors pend with one stalled reader (bound {bound})"
    );
    assert!(
        (CYCLES as u64) > 4 * bound,
        "the run is long enough to exceed the bound"
    );
}

#[test]
fn rcu_pending_grows_under_a_stalled_reader() {
    let pending = stalled_run::<Rcu, _>(|_, pending| pending.to_vec());
    // Every connector retired while the reader stays is still pending: the
    // grace period cannot end. This is the trade-off, not a bug.
    let last = *pending.last().expect("samples");
    assert!(
        last >= CYCLES as u64,
        "rcu freed connectors during a stalled read-side section ({last} pending of {CYCLES})"
    );
    assert!(pending.windows(2).all(|w| w[0] <= w[1]), "never shrinks");
}
