//! Marks: one group's watch on one object.

use std::alloc::Layout;
use std::ptr::{self, NonNull};

use super::connector::Connector;
use super::group::Group;
use crate::poison;
use crate::retired::{NodeKind, Retired};
use crate::sync::{Arc, AtomicPtr, AtomicU32, Mutex};

/// Set in a mark's `next` once the mark is unlinked, so that a reader standing
/// on it restarts from the connector instead of following a stale link (for
/// hazard pointers, following it could reach a node freed since).
pub(crate) const UNLINKED: usize = 1;

/// Whether a loaded link carries the [`UNLINKED`] tag.
pub(crate) fn is_unlinked(link: *mut Mark) -> bool {
    link as usize & UNLINKED != 0
}

/// `struct fsnotify_mark`.
#[repr(C)]
pub(crate) struct Mark {
    /// The destroy-list link, as in the connector.
    pub(crate) retired: Retired,
    pub(crate) magic: poison::MagicWord,
    /// The events this mark wants; written under the mark's lock, read by
    /// readers without locks.
    pub(crate) mask: AtomicU32,
    /// One reference for being on a connector's list, one for each
    /// [`crate::MarkRef`]. The mark is retired when it reaches zero.
    pub(crate) refcnt: AtomicU32,
    /// `obj_list`: the next mark on the connector's list.
    pub(crate) next: AtomicPtr<Mark>,
    pub(crate) group: Arc<Group>,
    /// `mark->lock`.
    pub(crate) lock: Mutex<MarkState>,
}

/// What the mark's lock protects.
pub(crate) struct MarkState {
    /// The connector the mark hangs on, or null when not attached.
    pub(crate) conn: *mut Connector,
}

impl Mark {
    /// Allocates a mark holding `refs` references, not yet published.
    pub(crate) fn alloc(group: Arc<Group>, mask: u32, refs: u32) -> NonNull<Mark> {
        let mark = Box::new(Mark {
            retired: Retired::new(NodeKind::Mark, Mark::drop_node),
            magic: poison::MagicWord::new(poison::LIVE),
            mask: AtomicU32::new(mask),
            refcnt: AtomicU32::new(refs),
            next: AtomicPtr::new(ptr::null_mut()),
            group,
            lock: Mutex::new(MarkState {
                conn: ptr::null_mut(),
            }),
        });
        // Safety: `Box::into_raw` never returns null.
        unsafe { NonNull::new_unchecked(Box::into_raw(mark)) }
    }

    /// The destructor a scheme runs through [`Retired::reclaim`].
    ///
    /// # Safety
    ///
    /// `node` is the header of a mark made by [`Mark::alloc`] that no reader
    /// can reach any more, and it is dropped once.
    pub(crate) unsafe fn drop_node(node: NonNull<Retired>) {
        let mark = node.cast::<Mark>().as_ptr();
        // Safety: `retired` is at offset 0 of this `repr(C)` struct; the caller
        // owns the mark now.
        unsafe {
            poison::poison(&(*mark).magic);
            ptr::drop_in_place(mark);
            poison::release(mark.cast(), Layout::new::<Mark>());
        }
    }
}
