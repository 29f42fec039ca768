//! The connector: what an object's slot points to while it has marks.

use std::alloc::Layout;
use std::ptr::{self, NonNull};

use super::mark::Mark;
use super::object::{ObjectId, ObjectKind};
use crate::poison;
use crate::retired::{NodeKind, Retired};
use crate::sync::{AtomicPtr, Mutex};

/// `struct fsnotify_mark_connector`.
///
/// The `retired` header at offset 0 is the destroy-list link. It is a field of
/// its own: in 4.12 to 4.16 `destroy_next` shared a union with the list of
/// marks, so queueing a connector for destruction overwrote the list head a
/// reader inside its SRCU section was still walking (LTP `inotify09`). Here a
/// scheme's link can never be mistaken for `marks`.
#[repr(C)]
pub(crate) struct Connector {
    pub(crate) retired: Retired,
    pub(crate) magic: poison::MagicWord,
    pub(crate) kind: ObjectKind,
    /// The marks, highest group priority first. Changed only under `lock`;
    /// read by readers through their scheme's `protect`.
    pub(crate) marks: AtomicPtr<Mark>,
    /// `conn->lock`, the last lock in the order group, mark, connector.
    pub(crate) lock: Mutex<ConnectorState>,
}

/// What the connector's lock protects besides the list's changes.
pub(crate) struct ConnectorState {
    /// The object this connector is attached to, or `None` once detached
    /// (the kernel's `FSNOTIFY_OBJ_TYPE_DETACHED`).
    pub(crate) object: Option<ObjectId>,
}

impl Connector {
    /// Allocates a connector for `object`, not yet published.
    pub(crate) fn alloc(object: ObjectId, kind: ObjectKind) -> NonNull<Connector> {
        let conn = Box::new(Connector {
            retired: Retired::new(NodeKind::Connector, Connector::drop_node),
            magic: poison::MagicWord::new(poison::LIVE),
            kind,
            marks: AtomicPtr::new(ptr::null_mut()),
            lock: Mutex::new(ConnectorState {
                object: Some(object),
            }),
        });
        // Safety: `Box::into_raw` never returns null.
        unsafe { NonNull::new_unchecked(Box::into_raw(conn)) }
    }

    /// The destructor a scheme runs through [`Retired::reclaim`].
    ///
    /// # Safety
    ///
    /// `node` is the header of a connector made by [`Connector::alloc`] that no
    /// reader can reach any more, and it is dropped once.
    pub(crate) unsafe fn drop_node(node: NonNull<Retired>) {
        let conn = node.cast::<Connector>().as_ptr();
        // Safety: `retired` is at offset 0 of this `repr(C)` struct, so the
        // header's address is the connector's; the caller owns it now.
        unsafe {
            poison::poison(&(*conn).magic);
            ptr::drop_in_place(conn);
            poison::release(conn.cast(), Layout::new::<Connector>());
        }
    }
}
