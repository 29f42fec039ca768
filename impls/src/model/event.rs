//! Event delivery, the read side: `fsnotify()`.

use super::mark::is_unlinked;
use super::object::Object;
use super::{Fsnotify, ObjRef};
use crate::poison;
use crate::scheme::{ReadGuard, Scheme};
use crate::sync::Ordering;

impl<S: Scheme> Fsnotify<S> {
    /// Delivers an event with `mask` on an inode (and the mount it is seen
    /// through, if any): walks the marks of each object's connector without
    /// locks and returns how many marks wanted the event.
    ///
    /// NOTE: the kernel walks the inode's and the mount's lists interleaved by
    /// group priority; this model walks them one after the other, which visits
    /// the same marks with the same protection.
    pub fn handle_event(
        &self,
        inode: &ObjRef<'_, S>,
        mount: Option<&ObjRef<'_, S>>,
        mask: u32,
    ) -> u32 {
        let inode = inode.object();
        let mount = mount.map(ObjRef::object);

        // The fast path the kernel keeps cheap: no connector, or no mark that
        // wants this event, and the read side is never entered. Relaxed: a
        // stale answer races a concurrent add, which the kernel allows too.
        let interested = |o: &Object| {
            !o.conn.load(Ordering::Relaxed).is_null() && o.mask.load(Ordering::Relaxed) & mask != 0
        };
        if !interested(inode) && !mount.is_some_and(interested) {
            return 0;
        }

        let mut guard = self.scheme.read_lock();
        let mut delivered = deliver::<S>(&mut guard, inode, mask);
        if let Some(mount) = mount {
            delivered += deliver::<S>(&mut guard, mount, mask);
        }
        delivered
    }
}

/// Walks one object's marks inside the caller's read-side section.
fn deliver<S: Scheme>(guard: &mut S::Guard<'_>, object: &Object, mask: u32) -> u32 {
    'restart: loop {
        let conn = guard.protect(0, &object.conn);
        if conn.is_null() {
            return 0;
        }
        // Safety: protected in slot 0 for the rest of this walk.
        let conn = unsafe { &*conn };
        poison::check(&conn.magic, "connector");
        let mut slot = 1;
        let mut cur = guard.protect(slot, &conn.marks);
        poison::check(&conn.magic, "connector");

        let mut delivered = 0;
        while !cur.is_null() {
            if is_unlinked(cur) {
                // The mark we stood on was unlinked under us: start again.
                continue 'restart;
            }
            // Safety: protected in `slot` until that slot is reused below, one
            // step later, after `next` is protected in the other slot.
            let mark = unsafe { &*cur };
            poison::check(&mark.magic, "mark");
            let wants = mark.mask.load(Ordering::Relaxed) & mask != 0;
            slot = 3 - slot;
            let next = guard.protect(slot, &mark.next);
            poison::check(&mark.magic, "mark");
            delivered += u32::from(wants);
            cur = next;
        }
        return delivered;
    }
}
