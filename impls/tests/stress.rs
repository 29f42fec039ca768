//! Multi-threaded stress per scheme: readers deliver events while writers add
//! and remove marks and an evictor evicts objects. Every node a reader touches
//! is checked against the poison the free path writes (the `poison` feature,
//! on for this crate's tests), so a use-after-free fails the test.
//!
//! It includes the pattern of LTP's `inotify09`, which crashed Linux 4.12 to
//! 4.16: one thread adds and removes the only mark of one object in a loop
//! while another delivers events to that same object.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::*;
use connbench_impls::{Fsnotify, Scheme};

/// How long each scheme is stressed; `CONNBENCH_STRESS_MS` overrides.
fn duration() -> Duration {
    let ms = std::env::var("CONNBENCH_STRESS_MS")
        .ok()
        .and_then(|v| v.parse().ok());
    Duration::from_millis(ms.unwrap_or(1000))
}

/// A small xorshift generator: the tests need spread, not quality.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u32) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % u64::from(n)) as u32
    }
}

// Without the poison checks a use-after-free would pass silently.
const _: () = assert!(
    connbench_impls::POISON_CHECKS,
    "the stress test needs the poison feature"
);

/// Inodes 1..=CHURNED are churned; inode 0 is inotify09's.
const CHURNED: u32 = 8;

pub fn stress<S: Scheme>() {
    let fs = Fsnotify::<S>::new(CHURNED + 1, 1);
    let groups: Vec<_> = (0..3).map(|p| fs.new_group(p)).collect();
    let stop = AtomicBool::new(false);
    let deliveries = AtomicU64::new(0);
    let inotify09_deliveries = AtomicU64::new(0);
    let evictions = AtomicU64::new(0);

    std::thread::scope(|s| {
        // inotify09: the only mark of inode 0, added and removed in a loop...
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let inode = fs.igrab(fs.inode(0)).expect("inode 0 is never evicted");
                let mark = fs.add_mark(&inode, &groups[0], IN_MODIFY).unwrap();
                fs.remove_mark(mark);
            }
        });
        // ...while events are delivered to that same inode.
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                let inode = fs.igrab(fs.inode(0)).expect("inode 0 is never evicted");
                let n = fs.handle_event(&inode, None, IN_MODIFY);
                inotify09_deliveries.fetch_add(u64::from(n), Ordering::Relaxed);
            }
        });

        // Temporary watches by two groups on the churned inodes.
        s.spawn(|| {
            let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
            while !stop.load(Ordering::Relaxed) {
                let id = fs.inode(1 + rng.below(CHURNED));
                let Some(inode) = fs.igrab(id) else { continue };
                let group = &groups[1 + rng.below(2) as usize];
                if let Ok(mark) = fs.add_mark(&inode, group, IN_MODIFY | IN_OPEN) {
                    if rng.below(4) == 0 {
                        fs.set_mark_mask(&mark, IN_OPEN);
                    }
                    fs.remove_mark(mark);
                }
            }
        });
        // Events on the churned inodes, seen through the mount.
        s.spawn(|| {
            let mut rng = Rng(0xD1B5_4A32_D192_ED03);
            let mount = fs.igrab(fs.mount(0)).unwrap();
            let mount_mark = fs.add_mark(&mount, &groups[2], IN_CLOSE).unwrap();
            while !stop.load(Ordering::Relaxed) {
                let Some(inode) = fs.igrab(fs.inode(1 + rng.below(CHURNED))) else {
                    continue;
                };
                let n = fs.handle_event(&inode, Some(&mount), IN_MODIFY | IN_CLOSE);
                deliveries.fetch_add(u64::from(n), Ordering::Relaxed);
            }
            fs.remove_mark(mount_mark);
        });
        // Evictions of the churned inodes, racing all of the above.
        s.spawn(|| {
            let mut rng = Rng(0x2545_F491_4F6C_DD1D);
            while !stop.load(Ordering::Relaxed) {
                if fs.evict(fs.inode(1 + rng.below(CHURNED))) {
                    evictions.fetch_add(1, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_micros(200));
            }
        });

        // Run for the set duration, and on (up to ten times as long) until
        // every pattern has happened at least once: with nine schemes
        // stressed at once on two cores, a thread may get too few time
        // slices in one second to meet the inotify09 mark even once.
        let started = Instant::now();
        let all_seen = || {
            deliveries.load(Ordering::Relaxed) > 0
                && inotify09_deliveries.load(Ordering::Relaxed) > 0
                && evictions.load(Ordering::Relaxed) > 0
        };
        while started.elapsed() < duration() || (!all_seen() && started.elapsed() < 10 * duration())
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        stop.store(true, Ordering::Relaxed);
    });

    // The readers really walked lists, so the poison checks really ran.
    assert!(
        deliveries.load(Ordering::Relaxed) > 0,
        "no event reached a mark"
    );
    assert!(
        inotify09_deliveries.load(Ordering::Relaxed) > 0,
        "inotify09 reader saw no mark"
    );
    assert!(
        evictions.load(Ordering::Relaxed) > 0,
        "no eviction happened"
    );

    assert_all_freed(&fs);
}

macro_rules! stress_tests {
    ($($name:ident => $scheme:ty,)*) => {$(
        #[test]
        #[cfg_attr(miri, ignore = "threads for a second are too slow under Miri")]
        fn $name() {
            stress::<$scheme>();
        }
    )*};
}
connbench_impls::for_each_scheme!(stress_tests);
