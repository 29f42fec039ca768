//! Adding and finding marks: `fsnotify_add_mark_list` and its helpers.

use std::ptr::{self, NonNull};

use super::connector::Connector;
use super::mark::{is_unlinked, Mark};
use super::object::Object;
use super::{AddMarkError, Fsnotify, Group, MarkRef, ObjRef};
use crate::retired::NodeKind;
use crate::scheme::{ReadGuard, Scheme};
use crate::sync::{lock, Arc, MutexGuard, Ordering};

use super::connector::ConnectorState;

impl<S: Scheme> Fsnotify<S> {
    /// Adds `group`'s mark on the object with the given event mask, attaching
    /// a connector first if the object has none.
    ///
    /// Refuses with [`AddMarkError::Exists`] when the group already has a mark
    /// there. The returned reference is the caller's; the mark stays attached
    /// until [`Fsnotify::remove_mark`] or the object's eviction.
    pub fn add_mark<'f>(
        &'f self,
        obj: &ObjRef<'f, S>,
        group: &Arc<Group>,
        mask: u32,
    ) -> Result<MarkRef<'f, S>, AddMarkError> {
        let object = obj.object();
        let _group_lock = lock(&group.lock);

        // Two references: the connector's list and the caller's.
        let mark = Mark::alloc(group.clone(), mask, 2);
        self.counters().on_alloc(NodeKind::Mark);
        // Safety: just allocated and not yet published; we are its only user.
        let mark_ref = unsafe { mark.as_ref() };
        let mut mark_state = lock(&mark_ref.lock);

        let (conn, conn_state) = self.lock_or_attach_connector(obj);
        // Safety: locked and attached, so not retired (see `lock_connector`).
        let conn_ref = unsafe { conn.as_ref() };

        // Find the insertion point, refusing a second mark of the same group.
        let mut link = &conn_ref.marks;
        loop {
            let cur = link.load(Ordering::Relaxed);
            if cur.is_null() {
                break;
            }
            // Safety: under the connector's lock every listed mark is linked
            // and so not retired.
            let cur = unsafe { &*cur };
            if Arc::ptr_eq(&cur.group, group) {
                drop(conn_state);
                drop(mark_state);
                // Safety: never published; allocated above and freed once.
                unsafe { self.free_unpublished_mark(mark) };
                return Err(AddMarkError::Exists);
            }
            if group.goes_before(&cur.group) {
                break;
            }
            link = &cur.next;
        }

        // The first mark pins an inode (the patch's `igrab`); `obj` holds a
        // reference, so the count is above zero and the object not yet gone.
        let first = conn_ref.marks.load(Ordering::Relaxed).is_null();
        if first && conn_ref.kind == super::ObjectKind::Inode {
            object.get_more();
        }

        // Release: publish the fully initialised mark; readers' protected
        // loads of this link are Acquire.
        mark_ref
            .next
            .store(link.load(Ordering::Relaxed), Ordering::Relaxed);
        link.store(mark.as_ptr(), Ordering::Release);
        mark_state.conn = conn.as_ptr();
        recalc_mask(conn_ref, object);
        drop(conn_state);
        drop(mark_state);

        Ok(MarkRef { fs: self, mark })
    }

    /// `fsnotify_find_mark`: a reference to `group`'s mark on the object.
    pub fn find_mark<'f>(
        &'f self,
        obj: &ObjRef<'f, S>,
        group: &Arc<Group>,
    ) -> Option<MarkRef<'f, S>> {
        let (conn, _state) = self.lock_connector(obj.object())?;
        // Safety: locked and attached, so not retired.
        let mut cur = unsafe { conn.as_ref() }.marks.load(Ordering::Relaxed);
        while !cur.is_null() {
            // Safety: listed under the lock, so linked and not retired.
            let mark = unsafe { &*cur };
            if Arc::ptr_eq(&mark.group, group) {
                // A listed mark holds the list's reference, so the count is
                // above zero and may be raised.
                mark.refcnt.fetch_add(1, Ordering::Relaxed);
                // Safety: `cur` is not null.
                let mark = unsafe { NonNull::new_unchecked(cur) };
                return Some(MarkRef { fs: self, mark });
            }
            cur = mark.next.load(Ordering::Relaxed);
        }
        None
    }

    /// The marks on the object as `(group id, mask)`, in list order.
    pub fn marks_of(&self, obj: &ObjRef<'_, S>) -> Vec<(u32, u32)> {
        let mut marks = Vec::new();
        if let Some((conn, _state)) = self.lock_connector(obj.object()) {
            // Safety: locked and attached.
            let mut cur = unsafe { conn.as_ref() }.marks.load(Ordering::Relaxed);
            while !cur.is_null() {
                // Safety: listed under the lock.
                let mark = unsafe { &*cur };
                marks.push((mark.group.id(), mark.mask.load(Ordering::Relaxed)));
                cur = mark.next.load(Ordering::Relaxed);
            }
        }
        marks
    }

    /// Changes a mark's event mask and recalculates its object's mask.
    pub fn set_mark_mask(&self, mark: &MarkRef<'_, S>, mask: u32) {
        let mark = mark.mark();
        let _group_lock = lock(&mark.group.lock);
        let state = lock(&mark.lock);
        mark.mask.store(mask, Ordering::Relaxed);
        if state.conn.is_null() {
            return;
        }
        // Safety: the mark is attached (its lock is held), so its connector
        // has a mark and is attached too, hence not retired.
        let conn = unsafe { &*state.conn };
        let conn_state = lock(&conn.lock);
        if let Some(id) = conn_state.object {
            recalc_mask(conn, self.object(id));
        }
    }

    /// Locks the object's connector if one is attached (`fsnotify_grab_connector`).
    ///
    /// A connector found detached under its lock is being destroyed; the
    /// object's slot was cleared before that lock was released, so the caller
    /// sees no connector.
    pub(super) fn lock_connector<'a>(
        &'a self,
        object: &Object,
    ) -> Option<(NonNull<Connector>, MutexGuard<'a, ConnectorState>)> {
        // The read side keeps the connector's memory valid until its lock is
        // held; after that, being attached keeps it from being retired.
        let mut guard = self.scheme.read_lock();
        let conn = NonNull::new(guard.protect(0, &object.conn))?;
        // Safety: protected by `guard` for as long as we use this reference.
        let conn_ref: &'a Connector = unsafe { &*conn.as_ptr() };
        let state = lock(&conn_ref.lock);
        // Detached: being destroyed, and the slot already cleared.
        state.object?;
        drop(guard);
        Some((conn, state))
    }

    /// Locks the object's connector, attaching a new one if it has none, and
    /// restarting if it meets one that is being detached.
    fn lock_or_attach_connector<'a>(
        &'a self,
        obj: &ObjRef<'_, S>,
    ) -> (NonNull<Connector>, MutexGuard<'a, ConnectorState>) {
        let object = obj.object();
        loop {
            if let Some(locked) = self.lock_connector(object) {
                return locked;
            }

            // `fsnotify_attach_connector_to_object`: install a new connector if
            // the slot is still empty. AcqRel: Release publishes the
            // initialised connector; Acquire pairs with the Release of the
            // detach that emptied the slot, so our mask writes come after its
            // clearing. On failure we restart and load the slot again.
            let conn = Connector::alloc(obj.id, object.kind);
            self.counters().on_alloc(NodeKind::Connector);
            let installed = object.conn.compare_exchange(
                ptr::null_mut(),
                conn.as_ptr(),
                Ordering::AcqRel,
                Ordering::Relaxed,
            );
            if installed.is_err() {
                // Lost the race to another adder; theirs is used on restart.
                // Safety: never published; freed once, here.
                unsafe { Connector::drop_node(conn.cast()) };
                self.counters().on_unpublished_free(NodeKind::Connector);
            }
        }
    }

    /// Frees a mark that was never linked anywhere.
    ///
    /// # Safety
    ///
    /// `mark` came from [`Mark::alloc`] and was never published.
    unsafe fn free_unpublished_mark(&self, mark: NonNull<Mark>) {
        // Safety: the caller's contract.
        unsafe { Mark::drop_node(mark.cast()) };
        self.counters().on_unpublished_free(NodeKind::Mark);
    }
}

/// `__fsnotify_recalc_mask`: the object's mask becomes the union of its marks'.
/// Called with the connector's lock held.
pub(super) fn recalc_mask(conn: &Connector, object: &Object) {
    let mut mask = 0;
    let mut cur = conn.marks.load(Ordering::Relaxed);
    while !cur.is_null() {
        debug_assert!(!is_unlinked(cur));
        // Safety: listed under the connector's lock, so linked and not retired.
        let mark = unsafe { &*cur };
        mask |= mark.mask.load(Ordering::Relaxed);
        cur = mark.next.load(Ordering::Relaxed);
    }
    // Relaxed: readers load the mask as a whole word without locks, as with
    // WRITE_ONCE/READ_ONCE; it is a filter, not a publication.
    object.mask.store(mask, Ordering::Relaxed);
}
