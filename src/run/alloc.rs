//! The global allocator of `connbench`, and its view of memory.
//!
//! jemalloc by default, wrapped in the workloads crate's counting allocator
//! so that allocation calls and bytes are counted per thread; dhat instead
//! under the `dhat-heap` feature, so that a run writes heap profiles.

use connbench_workloads::alloc::CountingAlloc;
use connbench_workloads::measure::{MemoryProbe, MemoryReading};

#[cfg(not(feature = "dhat-heap"))]
#[global_allocator]
static GLOBAL: CountingAlloc<tikv_jemallocator::Jemalloc> =
    CountingAlloc(tikv_jemallocator::Jemalloc);

#[cfg(feature = "dhat-heap")]
#[global_allocator]
static GLOBAL: CountingAlloc<dhat::Alloc> = CountingAlloc(dhat::Alloc);

/// jemalloc's `stats.allocated` and `stats.resident`, through pre-resolved
/// MIBs so that a reading allocates nothing.
#[cfg(not(feature = "dhat-heap"))]
pub struct Probe {
    epoch: tikv_jemalloc_ctl::epoch_mib,
    allocated: tikv_jemalloc_ctl::stats::allocated_mib,
    resident: tikv_jemalloc_ctl::stats::resident_mib,
}

#[cfg(not(feature = "dhat-heap"))]
impl Probe {
    /// The probe, or `None` when jemalloc's statistics cannot be read.
    pub fn new() -> Option<Probe> {
        Some(Probe {
            epoch: tikv_jemalloc_ctl::epoch::mib().ok()?,
            allocated: tikv_jemalloc_ctl::stats::allocated::mib().ok()?,
            resident: tikv_jemalloc_ctl::stats::resident::mib().ok()?,
        })
    }
}

#[cfg(not(feature = "dhat-heap"))]
impl MemoryProbe for Probe {
    fn read(&self) -> Option<MemoryReading> {
        // jemalloc caches its statistics; advancing the epoch refreshes them.
        self.epoch.advance().ok()?;
        Some(MemoryReading {
            allocated: self.allocated.read().ok()? as u64,
            resident: self.resident.read().ok()? as u64,
        })
    }
}

/// Under dhat there is no allocator-wide view: memory is left out of the
/// results (dhat's own profile has it).
#[cfg(feature = "dhat-heap")]
pub struct Probe;

#[cfg(feature = "dhat-heap")]
impl Probe {
    /// Always `None`.
    pub fn new() -> Option<Probe> {
        None
    }
}

#[cfg(feature = "dhat-heap")]
impl MemoryProbe for Probe {
    fn read(&self) -> Option<MemoryReading> {
        None
    }
}
