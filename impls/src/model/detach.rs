//! Destroying marks, detaching connectors, evicting objects.

use std::ptr::NonNull;

use super::connector::Connector;
use super::mark::{Mark, UNLINKED};
use super::object::{ObjectId, ObjectKind, DYING};
use super::{Fsnotify, MarkRef};
use crate::scheme::{ConnectorPolicy, Scheme};
use crate::sync::{fence, lock, spin_wait, Ordering};

impl<S: Scheme> Fsnotify<S> {
    /// `fsnotify_destroy_mark`: detaches the mark from its object and drops
    /// the caller's reference. Returns whether this call detached it (false if
    /// it was already destroyed, by another call or by eviction).
    ///
    /// When the last mark goes, the connector is detached and retired (with
    /// [`ConnectorPolicy::FreeOnLastDetach`]) and the inode it pinned is
    /// released.
    pub fn remove_mark(&self, mark: MarkRef<'_, S>) -> bool {
        self.destroy_mark(mark.mark)
    }

    fn destroy_mark(&self, mark_ptr: NonNull<Mark>) -> bool {
        // Safety: the caller holds a reference, so the mark is not retired.
        let mark = unsafe { mark_ptr.as_ref() };
        let group_lock = lock(&mark.group.lock);
        let mut mark_state = lock(&mark.lock);
        let Some(conn) = NonNull::new(mark_state.conn) else {
            return false;
        };
        // Safety: the mark is attached (its lock is held), so its connector has
        // at least this mark, is attached, and is not retired.
        let conn_ref = unsafe { conn.as_ref() };
        let mut conn_state = lock(&conn_ref.lock);
        let object_id = conn_state
            .object
            .expect("a connector with marks is attached");
        let object = self.object(object_id);

        // Unlink: bypass the mark, then tag the mark's own link so that a
        // reader standing on the mark restarts rather than follows it.
        let mut link = &conn_ref.marks;
        while link.load(Ordering::Relaxed) != mark_ptr.as_ptr() {
            let cur = link.load(Ordering::Relaxed);
            assert!(
                !cur.is_null(),
                "an attached mark is on its connector's list"
            );
            // Safety: listed under the lock, so linked and not retired.
            link = unsafe { &(*cur).next };
        }
        let next = mark.next.load(Ordering::Relaxed);
        // Release: a reader that reaches `next` through `link` sees it
        // initialised (it was published with Release already; this keeps the
        // chain of releases intact).
        link.store(next, Ordering::Release);
        // Release: pairs with the Acquire of a reader's protected load that
        // sees the tag, so that when it restarts it finds the list without
        // this mark and makes progress. The successor stays safe to follow
        // for a reader that saw the link untagged: it can only be unlinked
        // (and retired) after this tag, under this same lock.
        mark.next
            .store(next.map_addr(|a| a | UNLINKED), Ordering::Release);
        mark_state.conn = std::ptr::null_mut();

        let last = conn_ref.marks.load(Ordering::Relaxed).is_null();
        let unpin = last && conn_ref.kind == ObjectKind::Inode;
        let retire_conn = last && S::POLICY == ConnectorPolicy::FreeOnLastDetach;
        if retire_conn {
            detach_connector(conn_ref, &mut conn_state.object, object);
        } else {
            super::attach::recalc_mask(conn_ref, object);
        }
        drop(conn_state);
        drop(mark_state);

        // `iput` outside the connector's lock, once per pin.
        if unpin {
            object.put();
        }
        if retire_conn {
            // Safety: detached above, so no reader can newly reach it; only the
            // thread that detached it retires it.
            unsafe { self.retire(conn) };
        }
        drop(group_lock);

        // The list's reference.
        self.put_mark(mark_ptr);
        true
    }

    /// `fsnotify_put_mark`: drops a reference, retiring the mark on the last.
    pub(super) fn put_mark(&self, mark: NonNull<Mark>) {
        // Safety: the caller owns the reference being dropped.
        let refcnt = unsafe { &mark.as_ref().refcnt };
        // Release: our uses of the mark happen before its retirement; the
        // Acquire fence on the last put pairs with every other put's Release.
        if refcnt.fetch_sub(1, Ordering::Release) != 1 {
            return;
        }
        fence(Ordering::Acquire);
        // Safety: the count reached zero, so the list's reference is gone and
        // the mark is unlinked; no one else can retire it.
        unsafe { self.retire(mark) };
    }

    /// Evicts the object: destroys all its marks, waits for its other holders
    /// to go, frees a connector kept by [`ConnectorPolicy::KeepUntilEvict`],
    /// and recreates the object empty.
    ///
    /// Returns false if another eviction of the object is under way. The
    /// caller must not hold a reference to the object itself.
    pub fn evict(&self, id: ObjectId) -> bool {
        let object = self.object(id);
        if object.refcount.fetch_or(DYING, Ordering::Relaxed) & DYING != 0 {
            return false;
        }

        // No new holder can arrive now; those already here may still add
        // marks, so destroy them again until the holders are gone.
        loop {
            self.destroy_marks(id);
            if object.holders() == 0 {
                break;
            }
            spin_wait();
        }

        // A connector that stayed without marks goes with its object.
        if let Some((conn, mut state)) = self.lock_connector(object) {
            // Safety: locked and attached.
            let conn_ref = unsafe { conn.as_ref() };
            debug_assert!(conn_ref.marks.load(Ordering::Relaxed).is_null());
            detach_connector(conn_ref, &mut state.object, object);
            drop(state);
            // Safety: detached above, by this thread alone.
            unsafe { self.retire(conn) };
        }

        object.evictions.fetch_add(1, Ordering::Relaxed);
        // Release: the recreated object's fields are visible to the next igrab.
        object.refcount.store(0, Ordering::Release);
        true
    }

    /// `fsnotify_destroy_marks`: destroys every mark on the object.
    fn destroy_marks(&self, id: ObjectId) {
        let object = self.object(id);
        loop {
            // Take a reference to the first mark under the connector's lock,
            // then destroy it with the locks in their proper order.
            let first = {
                let Some((conn, _state)) = self.lock_connector(object) else {
                    return;
                };
                // Safety: locked and attached.
                let first = unsafe { conn.as_ref() }.marks.load(Ordering::Relaxed);
                let Some(first) = NonNull::new(first) else {
                    return;
                };
                // Safety: listed under the lock, so its count is above zero.
                unsafe { first.as_ref() }
                    .refcnt
                    .fetch_add(1, Ordering::Relaxed);
                MarkRef {
                    fs: self,
                    mark: first,
                }
            };
            self.remove_mark(first);
        }
    }

    /// Counts a node as retired and hands it to the scheme.
    ///
    /// # Safety
    ///
    /// `node` is an unlinked connector or mark, retired once.
    unsafe fn retire<T>(&self, node: NonNull<T>) {
        let header = node.cast();
        // Safety: both node types start with their `Retired` header.
        self.counters().on_retire(unsafe { header.as_ref() });
        // Safety: the caller's contract.
        unsafe { self.scheme.retire(header) };
    }
}

/// `fsnotify_detach_connector_from_object`, called with the connector's lock
/// held: clears the object's slot and mask and marks the connector detached.
fn detach_connector(
    conn: &Connector,
    attached_to: &mut Option<ObjectId>,
    object: &super::object::Object,
) {
    debug_assert!(std::ptr::eq(object.conn.load(Ordering::Relaxed), conn));
    // The mask is cleared before the slot, as the kernel does: an adder that
    // finds the slot empty attaches a new connector and writes the mask anew,
    // and that write must land after this one (loom found the reverse order).
    object.mask.store(0, Ordering::Relaxed);
    // Release: pairs with the Acquire of the attaching compare-exchange (and
    // of readers' protected loads), so whoever sees the empty slot also sees
    // the cleared mask. Readers still holding the old value are covered by
    // the grace period, not by this store.
    object.conn.store(std::ptr::null_mut(), Ordering::Release);
    *attached_to = None;
}
