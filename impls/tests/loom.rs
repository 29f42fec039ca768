//! Loom models of the races the kernel patch had to get right, for every
//! in-house scheme. Built only under `--cfg loom` (see `scripts/loom`), where
//! `crate::sync` swaps in loom's atomics and locks and the destroy-list worker
//! is replaced by frees in `barrier`.
//!
//! Freed nodes are poisoned (the `poison` feature), and readers check, so a
//! scheme that frees too early makes loom report a panic with the interleaving
//! that led to it. `broken_scheme_is_caught` proves the models can fail.

#![cfg(loom)]

use std::ptr::NonNull;

use connbench_impls::{ConnectorPolicy, Counters, Fsnotify, ReadGuard, Retired, Scheme};
use loom::sync::atomic::{AtomicPtr, Ordering};
use loom::sync::Arc;
use loom::thread;

const IN_MODIFY: u32 = 0x2;

/// Explores every interleaving up to the preemption bound `LOOM_MAX_PREEMPTIONS`
/// sets (scripts/loom sets it), printing the failing one.
fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    // The grace period waits by spinning with yields; give it room.
    builder.max_branches = 100_000;
    builder.check(f);
}

/// After the threads are done, the model must hold what the race left and
/// free everything once evicted.
fn settle<S: Scheme>(fs: &Fsnotify<S>) {
    for id in 0..fs.object_count() {
        fs.evict(connbench_impls::ObjectId(id));
    }
    fs.barrier();
    let c = fs.snapshot();
    assert_eq!(c.connectors_allocated, c.connectors_freed, "{c:?}");
    assert_eq!(c.marks_allocated, c.marks_freed, "{c:?}");
}

/// `fsnotify_add_mark_list` against the last `fsnotify_put_mark` on the same
/// object: the adder may meet the connector while it is being detached and
/// must restart, never attach its mark to a detached connector.
pub fn add_races_last_remove<S: Scheme>() {
    model(|| {
        let fs = Arc::new(Fsnotify::<S>::new(1, 0));
        let (a, b) = (fs.new_group(0), fs.new_group(1));
        let id = fs.inode(0);
        {
            let inode = fs.igrab(id).unwrap();
            drop(fs.add_mark(&inode, &a, IN_MODIFY).unwrap());
        }

        let remover = {
            let (fs, a) = (fs.clone(), a.clone());
            thread::spawn(move || {
                let inode = fs.igrab(id).unwrap();
                let mark = fs.find_mark(&inode, &a).unwrap();
                assert!(fs.remove_mark(mark));
            })
        };
        let inode = fs.igrab(id).unwrap();
        let mark_b = fs.add_mark(&inode, &b, IN_MODIFY).unwrap();
        remover.join().unwrap();

        assert_eq!(fs.marks_of(&inode), vec![(b.id(), IN_MODIFY)]);
        assert!(fs.has_connector(id));
        assert_eq!(fs.object_mask(id), IN_MODIFY);
        assert_eq!(fs.handle_event(&inode, None, IN_MODIFY), 1);
        assert_eq!(fs.object_refs(id), 2, "our reference and one pin");
        assert!(fs.remove_mark(mark_b));
        drop(inode);
        settle(&*fs);
    });
}

/// A reader walking the object's marks against the destroy of the last mark
/// and the barrier that frees what it retired (the connector too, for
/// schemes that free on last detach).
pub fn reader_races_free<S: Scheme>() {
    model(|| {
        let fs = Arc::new(Fsnotify::<S>::new(1, 0));
        let a = fs.new_group(0);
        let id = fs.inode(0);
        {
            let inode = fs.igrab(id).unwrap();
            drop(fs.add_mark(&inode, &a, IN_MODIFY).unwrap());
        }

        let reader = {
            let fs = fs.clone();
            thread::spawn(move || {
                let inode = fs.igrab(id).unwrap();
                let delivered = fs.handle_event(&inode, None, IN_MODIFY);
                assert!(delivered <= 1);
            })
        };
        {
            let inode = fs.igrab(id).unwrap();
            let mark = fs.find_mark(&inode, &a).unwrap();
            assert!(fs.remove_mark(mark));
        }
        fs.barrier();
        reader.join().unwrap();

        let c = fs.snapshot();
        assert_eq!(c.marks_freed, 1, "{c:?}");
        if S::POLICY == ConnectorPolicy::FreeOnLastDetach {
            assert_eq!(c.connectors_freed, 1, "{c:?}");
        }
        settle(&*fs);
    });
}

/// A scheme that frees at once on retire: what every model must catch.
struct FreesAtOnce(Counters);

struct NoProtection;

impl ReadGuard for NoProtection {
    fn protect<T>(&mut self, _slot: usize, link: &AtomicPtr<T>) -> *mut T {
        link.load(Ordering::Acquire)
    }
}

// Safety: it is not safe; it exists to show that the models notice.
unsafe impl Scheme for FreesAtOnce {
    type Guard<'s> = NoProtection;
    const ID: &'static str = "broken";
    const DESCRIPTION: &'static str = "frees on retire, ignoring readers";
    const POLICY: ConnectorPolicy = ConnectorPolicy::FreeOnLastDetach;

    fn new() -> Self {
        FreesAtOnce(Counters::default())
    }
    fn read_lock(&self) -> NoProtection {
        NoProtection
    }
    unsafe fn retire(&self, node: NonNull<Retired>) {
        // Safety: not safe for readers; the node is at least retired once.
        unsafe { Retired::reclaim(node, &self.0) };
    }
    fn barrier(&self) {}
    fn counters(&self) -> &Counters {
        &self.0
    }
}

#[test]
#[should_panic(expected = "use-after-free")]
fn broken_scheme_is_caught() {
    reader_races_free::<FreesAtOnce>();
}

/// The in-house schemes loom checks; the crate-backed ones are exempt (their
/// atomics are not loom's).
macro_rules! loom_models {
    ($($name:ident => $scheme:ty,)*) => {$(
        mod $name {
            #[test]
            fn add_races_last_remove() {
                super::add_races_last_remove::<$scheme>();
            }
            #[test]
            fn reader_races_free() {
                super::reader_races_free::<$scheme>();
            }
        }
    )*};
}
loom_models! {
    keep => connbench_impls::schemes::Keep,
    srcu => connbench_impls::schemes::SrcuScheme,
}
