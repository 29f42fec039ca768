//! The destroy list and its worker: the kernel's `connector_destroy_list`
//! with `connector_reaper_work`, and `destroy_list` with `reaper_work` for
//! marks.
//!
//! Retiring pushes the node on an intrusive list under a lock and wakes the
//! worker if the list was empty (`queue_work` on a work item that is not yet
//! queued). The worker takes the whole list at once, waits one grace period,
//! and frees the batch. [`Reaper::barrier`] runs the same step itself while
//! holding the lock the worker holds for a batch, so everything retired before
//! it is freed when it returns.
//!
//! Under loom there is no worker thread: every batch is freed by `barrier`.

use std::ptr::{self, NonNull};
use std::time::Instant;

use crate::retired::{Counters, Retired};
use crate::sync::{lock, Arc, Condvar, Mutex};

/// The state shared with the worker thread.
struct Shared {
    list: Mutex<DestroyList>,
    wake: Condvar,
    /// Held while a batch is taken, waited for and freed.
    batch: Mutex<()>,
    counters: Counters,
}

struct DestroyList {
    head: *mut Retired,
    shutdown: bool,
}

// Safety: the list's nodes are owned by the list and only reached under its
// mutex.
unsafe impl Send for DestroyList {}

/// A destroy list, drained after a grace period from `G`.
pub struct Reaper<G: GracePeriod> {
    shared: Arc<Shared>,
    grace: Arc<G>,
    #[cfg(not(loom))]
    worker: Option<std::thread::JoinHandle<()>>,
}

/// Something that can wait for a grace period.
pub trait GracePeriod: Send + Sync + 'static {
    /// Returns once every reader that started before the call has ended.
    fn synchronize(&self);
}

impl<G: GracePeriod> Reaper<G> {
    /// A destroy list drained after grace periods of `grace`, by a worker
    /// thread named after `name`.
    pub fn new(grace: Arc<G>, name: &str) -> Self {
        let shared = Arc::new(Shared {
            list: Mutex::new(DestroyList {
                head: ptr::null_mut(),
                shutdown: false,
            }),
            wake: Condvar::new(),
            batch: Mutex::new(()),
            counters: Counters::default(),
        });
        #[cfg(not(loom))]
        let worker = {
            let (shared, grace) = (shared.clone(), grace.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("{name}-reaper"))
                .spawn(move || worker(&shared, &*grace));
            Some(spawned.expect("spawning the reaper thread"))
        };
        #[cfg(loom)]
        let _ = name;
        Reaper {
            shared,
            grace,
            #[cfg(not(loom))]
            worker,
        }
    }

    /// The grace-period engine.
    pub fn grace(&self) -> &G {
        &self.grace
    }

    /// The counters of what this list has freed.
    pub fn counters(&self) -> &Counters {
        &self.shared.counters
    }

    /// Queues `node` for freeing after a grace period.
    ///
    /// # Safety
    ///
    /// As [`crate::Scheme::retire`].
    pub unsafe fn retire(&self, node: NonNull<Retired>) {
        let was_empty = {
            let mut list = lock(&self.shared.list);
            // Safety: the node is ours until the batch that frees it; its link
            // is touched only under this mutex.
            unsafe { *node.as_ref().next.get() = list.head };
            let was_empty = list.head.is_null();
            list.head = node.as_ptr();
            was_empty
        };
        if was_empty {
            self.shared.wake.notify_one();
        }
    }

    /// Frees everything retired before the call.
    pub fn barrier(&self) {
        reap(&self.shared, &*self.grace);
    }
}

impl<G: GracePeriod> Drop for Reaper<G> {
    fn drop(&mut self) {
        lock(&self.shared.list).shutdown = true;
        self.shared.wake.notify_one();
        #[cfg(not(loom))]
        if let Some(worker) = self.worker.take() {
            // A panic in the worker has already been reported by its thread.
            let _ = worker.join();
        }
        reap(&self.shared, &*self.grace);
    }
}

#[cfg(not(loom))]
fn worker<G: GracePeriod>(shared: &Shared, grace: &G) {
    loop {
        {
            let mut list = lock(&shared.list);
            while list.head.is_null() && !list.shutdown {
                list = shared.wake.wait(list).unwrap_or_else(|e| e.into_inner());
            }
            if list.shutdown {
                return;
            }
        }
        reap(shared, grace);
    }
}

/// Takes the whole list, waits a grace period, frees the batch.
fn reap<G: GracePeriod>(shared: &Shared, grace: &G) {
    let _batch = lock(&shared.batch);
    let mut node = std::mem::replace(&mut lock(&shared.list).head, ptr::null_mut());
    if node.is_null() {
        return;
    }
    grace.synchronize();

    let started = Instant::now();
    while let Some(current) = NonNull::new(node) {
        // Safety: taken off the list above, so ours alone; read its link
        // before the node is freed.
        node = unsafe { *current.as_ref().next.get() };
        // Safety: retired before the grace period that just ended, so no
        // reader can hold it; each node is on the list once.
        unsafe { Retired::reclaim(current, &shared.counters) };
    }
    shared.counters.record_batch_free(started);
}
