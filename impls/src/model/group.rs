//! Groups: one per watching program (an inotify instance, a fanotify group).

use crate::sync::Mutex;

/// A watching program. Its marks are ordered by priority on every object.
pub struct Group {
    id: u32,
    priority: u32,
    /// `group->mark_mutex`: the first lock taken by every change to the
    /// group's marks (lock order: group, mark, connector).
    pub(crate) lock: Mutex<()>,
}

impl Group {
    pub(crate) fn new(id: u32, priority: u32) -> Self {
        Group {
            id,
            priority,
            lock: Mutex::new(()),
        }
    }

    /// The group's unique id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The group's priority: higher sees events first.
    pub fn priority(&self) -> u32 {
        self.priority
    }

    /// Whether marks of `self` go before marks of `other` on an object's list:
    /// higher priority first, then lower id (the kernel orders equal priorities
    /// by group address; an id is the stable stand-in).
    pub(crate) fn goes_before(&self, other: &Group) -> bool {
        (other.priority, self.id) < (self.priority, other.id)
    }
}
