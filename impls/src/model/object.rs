//! Objects that can be watched: inodes and mounts.

use std::fmt;

use super::connector::Connector;
use crate::sync::{AtomicPtr, AtomicU32, AtomicU64, Ordering};

/// The two kinds of object a mark can be attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// An inode: reference counted, and pinned by its connector while marked.
    Inode,
    /// A mount: never pinned by its connector.
    Mount,
}

/// An object's index in its [`crate::Fsnotify`] table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId(pub u32);

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "object {}", self.0)
    }
}

/// Set in `refcount` while the object is being evicted: `igrab` fails.
pub(crate) const DYING: u32 = 1 << 31;

/// An inode or a mount, with the fields `fs/notify` adds to them.
pub(crate) struct Object {
    pub(crate) kind: ObjectKind,
    /// `i_fsnotify_marks`: the attached connector, or null. Published with
    /// Release by the attach, cleared under the connector's lock on detach;
    /// readers load it through their scheme's `protect`.
    pub(crate) conn: AtomicPtr<Connector>,
    /// `i_fsnotify_mask`: the union of the attached marks' masks, written
    /// under the connector's lock and read without locks, as a whole word.
    pub(crate) mask: AtomicU32,
    /// `i_count`: holders of a reference, including the connector's pin. The
    /// `DYING` bit is set while the object is evicted.
    pub(crate) refcount: AtomicU32,
    /// How many times the object has been evicted and recreated.
    pub(crate) evictions: AtomicU64,
}

impl Object {
    pub(crate) fn new(kind: ObjectKind) -> Self {
        Object {
            kind,
            conn: AtomicPtr::new(std::ptr::null_mut()),
            mask: AtomicU32::new(0),
            refcount: AtomicU32::new(0),
            evictions: AtomicU64::new(0),
        }
    }

    /// `igrab`: takes a reference unless the object is being evicted.
    pub(crate) fn try_get(&self) -> bool {
        let mut count = self.refcount.load(Ordering::Relaxed);
        loop {
            if count & DYING != 0 {
                return false;
            }
            // Acquire: pairs with the Release that ends an eviction, so the
            // new holder sees the recreated object's reset fields.
            match self.refcount.compare_exchange_weak(
                count,
                count + 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => count = now,
            }
        }
    }

    /// Takes one more reference for a holder that already has one (the
    /// connector's pin, taken while its adder holds the object).
    pub(crate) fn get_more(&self) {
        self.refcount.fetch_add(1, Ordering::Relaxed);
    }

    /// `iput`: drops a reference.
    pub(crate) fn put(&self) {
        // Release: the holder's accesses to the object happen before an
        // eviction that sees the count fall (it loads the count with Acquire).
        let old = self.refcount.fetch_sub(1, Ordering::Release);
        debug_assert!(old & !DYING > 0, "object reference count underflow");
    }

    /// References held, without the `DYING` bit.
    pub(crate) fn holders(&self) -> u32 {
        self.refcount.load(Ordering::Acquire) & !DYING
    }
}
