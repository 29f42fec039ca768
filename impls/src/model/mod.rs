//! The object model of `fs/notify/mark.c` after the 2017 patch, generic over
//! the reclamation scheme.
//!
//! # Objects, groups, marks, connectors
//!
//! An [`Fsnotify`] owns a fixed table of objects (inodes, then mounts). A
//! group's mark on an object hangs on the object's *connector*, which the
//! object's slot points to while it has marks. Readers ([`Fsnotify::handle_event`])
//! walk the connector's marks without locks inside a read-side section of the
//! scheme; writers change them under the connector's lock.
//!
//! # The kernel's rules, kept here
//!
//! - A connector is retired only after it has been unlinked from its object,
//!   so its grace period begins after the unlink.
//! - Detaching (clearing the object's slot and mask, marking the connector
//!   detached, forgetting the object) happens at once under the connector's
//!   lock; the inode reference the connector held is dropped exactly once,
//!   after that lock is released.
//! - A mark is linked into the list only when fully initialised, with a
//!   Release store that readers' protected loads pair with.
//! - Locks are taken in the order group, mark, connector.
//! - Whoever delivers an event or adds a mark holds a reference to the object
//!   ([`ObjRef`]), so an eviction never races a reader of the same object.
//!
//! NOTE: the kernel keeps a mark on the connector's list until its last
//! reference goes; this model unlinks it when it is destroyed, so a destroyed
//! mark stops receiving events at once. The reference count then only decides
//! when the mark's memory is retired.

mod attach;
mod connector;
mod detach;
mod event;
mod group;
mod mark;
mod object;

use std::ptr::NonNull;

pub use group::Group;
pub use object::{ObjectId, ObjectKind};

use crate::retired::{CounterSnapshot, Counters};
use crate::scheme::Scheme;
use crate::sync::{Arc, AtomicU32, Ordering};
use mark::Mark;
use object::Object;

/// The model: a table of watchable objects and the scheme that reclaims their
/// connectors and marks.
pub struct Fsnotify<S: Scheme> {
    scheme: S,
    objects: Box<[Object]>,
    inodes: u32,
    next_group: AtomicU32,
}

/// A reference to an object (`igrab`), dropped with `iput`.
pub struct ObjRef<'f, S: Scheme> {
    fs: &'f Fsnotify<S>,
    id: ObjectId,
}

/// A reference to a mark, as `fsnotify_find_mark` returns and as an inotify
/// watch descriptor stands for. Dropping it puts the reference; destroying the
/// mark is [`Fsnotify::remove_mark`].
pub struct MarkRef<'f, S: Scheme> {
    fs: &'f Fsnotify<S>,
    mark: NonNull<Mark>,
}

// Safety: a `MarkRef` only holds a counted reference; every field of the mark
// it reaches is atomic, behind a lock, or immutable, and the model it borrows
// is `Sync`.
unsafe impl<S: Scheme> Send for MarkRef<'_, S> {}
// Safety: as above; `&MarkRef` only reads atomics and immutable fields.
unsafe impl<S: Scheme> Sync for MarkRef<'_, S> {}

/// Why [`Fsnotify::add_mark`] refused.
#[derive(Debug, PartialEq, Eq)]
pub enum AddMarkError {
    /// The group already has a mark on this object (the kernel's `EEXIST`).
    Exists,
}

impl std::fmt::Display for AddMarkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AddMarkError::Exists => f.write_str("the group already has a mark on this object"),
        }
    }
}

impl std::error::Error for AddMarkError {}

impl<S: Scheme> Fsnotify<S> {
    /// A model with `inodes` inodes (ids `0..inodes`) and `mounts` mounts (the
    /// ids after them), reclaimed by a new `S`.
    pub fn new(inodes: u32, mounts: u32) -> Self {
        let objects = (0..inodes)
            .map(|_| Object::new(ObjectKind::Inode))
            .chain((0..mounts).map(|_| Object::new(ObjectKind::Mount)))
            .collect();
        Fsnotify {
            scheme: S::new(),
            objects,
            inodes,
            next_group: AtomicU32::new(0),
        }
    }

    /// The scheme behind this model.
    pub fn scheme(&self) -> &S {
        &self.scheme
    }

    /// How many objects the table holds.
    pub fn object_count(&self) -> u32 {
        self.objects.len() as u32
    }

    /// The id of the `index`th inode.
    pub fn inode(&self, index: u32) -> ObjectId {
        assert!(index < self.inodes, "inode {index} out of range");
        ObjectId(index)
    }

    /// The id of the `index`th mount.
    pub fn mount(&self, index: u32) -> ObjectId {
        let id = self
            .inodes
            .checked_add(index)
            .filter(|&id| id < self.object_count());
        ObjectId(id.unwrap_or_else(|| panic!("mount {index} out of range")))
    }

    /// The kind of object `id` names.
    pub fn kind(&self, id: ObjectId) -> ObjectKind {
        self.object(id).kind
    }

    /// Creates a group with the given priority.
    pub fn new_group(&self, priority: u32) -> Arc<Group> {
        let id = self.next_group.fetch_add(1, Ordering::Relaxed);
        Arc::new(Group::new(id, priority))
    }

    /// `igrab`: a reference to the object, or `None` while it is evicted.
    pub fn igrab(&self, id: ObjectId) -> Option<ObjRef<'_, S>> {
        // `then`, not `then_some`: an `ObjRef` built for a failed grab would put
        // a reference it never took when dropped.
        self.object(id).try_get().then(|| ObjRef { fs: self, id })
    }

    /// The object's cached event mask, as readers see it.
    pub fn object_mask(&self, id: ObjectId) -> u32 {
        self.object(id).mask.load(Ordering::Relaxed)
    }

    /// Whether a connector is attached to the object now.
    pub fn has_connector(&self, id: ObjectId) -> bool {
        !self.object(id).conn.load(Ordering::Relaxed).is_null()
    }

    /// References held on the object (the connector's pin included).
    pub fn object_refs(&self, id: ObjectId) -> u32 {
        self.object(id).holders()
    }

    /// How many times the object has been evicted and recreated.
    pub fn evictions(&self, id: ObjectId) -> u64 {
        self.object(id).evictions.load(Ordering::Relaxed)
    }

    /// Waits until everything retired so far has been freed.
    pub fn barrier(&self) {
        self.scheme.barrier();
    }

    /// The scheme's counters.
    pub fn counters(&self) -> &Counters {
        self.scheme.counters()
    }

    /// A snapshot of the scheme's counters.
    pub fn snapshot(&self) -> CounterSnapshot {
        self.scheme.counters().snapshot()
    }

    fn object(&self, id: ObjectId) -> &Object {
        &self.objects[id.0 as usize]
    }
}

impl<S: Scheme> Drop for Fsnotify<S> {
    fn drop(&mut self) {
        // No `ObjRef` or `MarkRef` can outlive the borrow they hold, so every
        // object can be evicted, and every node freed before the scheme goes.
        for id in 0..self.object_count() {
            self.evict(ObjectId(id));
        }
        self.scheme.barrier();
    }
}

impl<S: Scheme> ObjRef<'_, S> {
    /// The object this reference holds.
    pub fn id(&self) -> ObjectId {
        self.id
    }

    fn object(&self) -> &Object {
        self.fs.object(self.id)
    }
}

impl<S: Scheme> Drop for ObjRef<'_, S> {
    fn drop(&mut self) {
        self.object().put();
    }
}

impl<S: Scheme> MarkRef<'_, S> {
    fn mark(&self) -> &Mark {
        // Safety: this reference keeps the mark's count above zero, and a mark
        // is retired only when its count reaches zero.
        unsafe { self.mark.as_ref() }
    }

    /// The group the mark belongs to.
    pub fn group(&self) -> &Arc<Group> {
        &self.mark().group
    }

    /// The mark's event mask.
    pub fn mask(&self) -> u32 {
        self.mark().mask.load(Ordering::Relaxed)
    }
}

impl<S: Scheme> Drop for MarkRef<'_, S> {
    fn drop(&mut self) {
        self.fs.put_mark(self.mark);
    }
}
