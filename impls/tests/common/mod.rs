//! Sizes shared by the integration tests, shrunk in one place under Miri.

#![allow(dead_code)]

use connbench_impls::{Fsnotify, ObjectId, Scheme};

/// Objects in a model built for a test.
pub const OBJECTS: u32 = if cfg!(miri) { 4 } else { 64 };

/// Repetitions of a cycle in a single-threaded test.
pub const CYCLES: usize = if cfg!(miri) { 3 } else { 200 };

/// Event masks used across the tests.
pub const IN_MODIFY: u32 = 0x2;
pub const IN_OPEN: u32 = 0x20;
pub const IN_CLOSE: u32 = 0x8;

/// After every object is evicted and the barrier passes, nothing is left.
pub fn assert_all_freed<S: Scheme>(fs: &Fsnotify<S>) {
    for id in 0..fs.object_count() {
        fs.evict(ObjectId(id));
    }
    fs.barrier();
    let c = fs.snapshot();
    assert_eq!(
        c.connectors_allocated, c.connectors_freed,
        "connectors leaked: {c:?}"
    );
    assert_eq!(c.marks_allocated, c.marks_freed, "marks leaked: {c:?}");
    assert_eq!(c.pending_connectors(), 0);
}
