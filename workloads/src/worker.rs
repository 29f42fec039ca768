//! What each thread role does, generically over the scheme.
//!
//! # Roles
//!
//! - *watcher*: picks an inode, takes a reference (`igrab`), adds its group's
//!   mark, keeps it for the watch's lifetime, removes it; repeats. It holds no
//!   object reference while it merely keeps a watch, so an evictor never
//!   waits on it for longer than one event.
//! - *reader*: delivers events, chosen from the mix, to random inodes, and to
//!   a random mount for the scenario's share of them.
//! - *stalled reader*: sits inside a read-side section of the scheme, leaving
//!   and re-entering it every stall, or only when the run ends.
//! - *evictor*: evicts random inodes. `evict` requires that the caller holds
//!   no reference to the object; an evictor holds none at all.
//!
//! Every thread draws from its own ChaCha stream of the scenario's seed, so a
//! scenario file gives each thread the same sequence of choices every run.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use connbench_impls::{Fsnotify, Group, Scheme};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::measure::{Op, OpHistograms};
use crate::scenario::{Lifetime, Pick, Role, RoleKind, Scenario, Stall};

/// A counter on its own cache line.
#[repr(align(64))]
#[derive(Default)]
pub(crate) struct Padded(pub AtomicU64);

/// What every worker shares.
pub(crate) struct Shared<'a, S: Scheme> {
    pub fs: &'a Fsnotify<S>,
    pub scenario: &'a Scenario,
    pub groups: &'a [Arc<Group>],
    pub events: &'a EventMix,
    /// Set by the driver when the run ends. Relaxed everywhere: it is only a
    /// request to stop; joining the threads orders what they did.
    pub stop: &'a AtomicBool,
    /// Watch cycles done, one counter per watcher thread, for progress.
    pub cycles_done: &'a [Padded],
    /// Watcher threads that still have cycles to do.
    pub watchers_left: &'a AtomicUsize,
    /// Every worker waits here once ready, and again to start together.
    pub ready: &'a Barrier,
}

/// Where a thread sits among the scenario's roles.
#[derive(Clone, Copy)]
pub(crate) struct Seat {
    pub role: usize,
    pub thread: u32,
    /// Among the watcher threads of every role, for the group and progress.
    pub watcher: usize,
}

/// What a thread hands back when joined.
#[derive(Default)]
pub(crate) struct Outcome {
    pub hists: OpHistograms,
    /// `add_mark` refused because the group already watched the inode.
    pub exists: u64,
    /// `remove_mark` found its mark already destroyed by an eviction.
    pub lost: u64,
}

/// The event mix as a cumulative weight table.
pub(crate) struct EventMix {
    cumulative: Vec<(u32, u32)>,
    total: u32,
}

impl EventMix {
    pub fn new(scenario: &Scenario) -> Self {
        let mut total = 0;
        let cumulative = (scenario.event_mix.iter())
            .map(|event| {
                total += event.weight;
                (total, event.mask)
            })
            .collect();
        EventMix { cumulative, total }
    }

    fn pick(&self, rng: &mut ChaCha8Rng) -> u32 {
        let x = rng.random_range(0..self.total);
        let i = self.cumulative.partition_point(|&(upto, _)| upto <= x);
        self.cumulative[i].1
    }
}

/// Runs one worker thread to the end of the run.
pub(crate) fn work<S: Scheme>(shared: &Shared<'_, S>, role: &Role, seat: Seat) -> Outcome {
    let mut rng = ChaCha8Rng::seed_from_u64(shared.scenario.seed);
    rng.set_stream(((seat.role as u64) << 32) | u64::from(seat.thread));
    let mut out = Outcome::default();

    // Ready (histograms allocated), then start together.
    shared.ready.wait();
    shared.ready.wait();

    match role.kind {
        RoleKind::Watcher => watcher(shared, role, seat, &mut rng, &mut out),
        RoleKind::Reader => reader(shared, &mut rng, &mut out),
        RoleKind::StalledReader => stalled_reader(shared, role.stall),
        RoleKind::Evictor => evictor(shared, role.pause_us, &mut rng, &mut out),
    }
    out
}

fn stopped<S: Scheme>(shared: &Shared<'_, S>) -> bool {
    shared.stop.load(Ordering::Relaxed)
}

fn watcher<S: Scheme>(
    shared: &Shared<'_, S>,
    role: &Role,
    seat: Seat,
    rng: &mut ChaCha8Rng,
    out: &mut Outcome,
) {
    let fs = shared.fs;
    let scenario = shared.scenario;
    let group = &shared.groups[seat.watcher % shared.groups.len()];
    let inodes = scenario.inodes;
    let cycles = scenario.cycles.unwrap_or(u64::MAX);
    let mount_for = |rng: &mut ChaCha8Rng| mount_of(shared, rng);

    let mut done = 0;
    while done < cycles && !stopped(shared) {
        let index = match role.pick {
            Pick::Random => rng.random_range(0..inodes),
            Pick::Sequential => {
                let step = (done * role.threads as u64 + u64::from(seat.thread)) % inodes as u64;
                step as u32
            }
        };
        done += 1;
        shared.cycles_done[seat.watcher]
            .0
            .store(done, Ordering::Relaxed);

        // An inode being evicted cannot be watched; the cycle is spent.
        let Some(obj) = fs.igrab(fs.inode(index)) else {
            continue;
        };
        let mark = out.hists.time(Op::AddMark, || {
            fs.add_mark(&obj, group, scenario.watch_mask)
        });
        let Ok(mark) = mark else {
            out.exists += 1;
            continue;
        };

        match scenario.lifetime {
            Lifetime::Events(n) => {
                for _ in 0..n {
                    let mask = shared.events.pick(rng);
                    let mount = mount_for(rng);
                    out.hists.time_sampled(Op::HandleEvent, || {
                        fs.handle_event(&obj, mount.as_ref(), mask)
                    });
                }
                drop(obj);
            }
            Lifetime::Micros(us) => {
                drop(obj);
                std::thread::sleep(Duration::from_micros(us));
            }
        }

        if !out.hists.time(Op::RemoveMark, || fs.remove_mark(mark)) {
            out.lost += 1;
        }
    }
    if scenario.cycles.is_some() {
        shared.watchers_left.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A reference to a random mount for the scenario's share of events.
fn mount_of<'f, S: Scheme>(
    shared: &Shared<'f, S>,
    rng: &mut ChaCha8Rng,
) -> Option<connbench_impls::ObjRef<'f, S>> {
    let scenario = shared.scenario;
    if scenario.mount_share <= 0.0 || !rng.random_bool(scenario.mount_share) {
        return None;
    }
    let fs = shared.fs;
    fs.igrab(fs.mount(rng.random_range(0..scenario.mounts)))
}

fn reader<S: Scheme>(shared: &Shared<'_, S>, rng: &mut ChaCha8Rng, out: &mut Outcome) {
    let fs = shared.fs;
    let inodes = shared.scenario.inodes;
    while !stopped(shared) {
        let index = rng.random_range(0..inodes);
        let mask = shared.events.pick(rng);
        let mount = mount_of(shared, rng);
        let Some(obj) = fs.igrab(fs.inode(index)) else {
            continue;
        };
        out.hists.time_sampled(Op::HandleEvent, || {
            fs.handle_event(&obj, mount.as_ref(), mask)
        });
    }
}

fn stalled_reader<S: Scheme>(shared: &Shared<'_, S>, stall: Stall) {
    let tick = Duration::from_millis(1);
    while !stopped(shared) {
        let section = shared.fs.scheme().read_lock();
        match stall {
            Stall::Ms(ms) => std::thread::sleep(Duration::from_millis(ms)),
            Stall::Never => {
                while !stopped(shared) {
                    std::thread::sleep(tick);
                }
            }
        }
        drop(section);
    }
}

fn evictor<S: Scheme>(
    shared: &Shared<'_, S>,
    pause_us: u64,
    rng: &mut ChaCha8Rng,
    out: &mut Outcome,
) {
    let fs = shared.fs;
    let inodes = shared.scenario.inodes;
    while !stopped(shared) {
        let id = fs.inode(rng.random_range(0..inodes));
        out.hists.time(Op::Evict, || fs.evict(id));
        if pause_us > 0 {
            std::thread::sleep(Duration::from_micros(pause_us));
        }
    }
}
