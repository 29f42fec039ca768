//! The checks of a parsed scenario file: impossible values, keys that do not
//! apply to a role, and the command line's overrides.

use super::{
    available_cpus, EventWeight, Lifetime, Overrides, Pick, QuickFile, Role, RoleFile, RoleKind,
    Scenario, ScenarioError, ScenarioFile, Stall, EVENT_NAMES, MAX_INODES, MAX_THREADS,
};

impl ScenarioFile {
    /// Checks the values and applies the overrides.
    pub fn validate(self, file: &str, overrides: Overrides) -> Result<Scenario, ScenarioError> {
        let invalid = |key: &str, expected: String| ScenarioError::Invalid {
            file: file.to_owned(),
            key: key.to_owned(),
            expected,
        };
        let quick = if overrides.quick {
            self.quick.clone()
        } else {
            None
        };

        // Sizes, with the quick cut applied first so that the cut is checked too.
        let mut inodes = self.objects.inodes;
        let mut duration_ms = self.run.duration_ms;
        let mut cycles = self.run.cycles;
        if overrides.quick {
            let q = quick.unwrap_or(QuickFile {
                duration_ms: None,
                cycles: None,
                inodes: None,
            });
            inodes = q.inodes.unwrap_or(inodes);
            duration_ms = duration_ms.map(|d| q.duration_ms.unwrap_or(d.min(300)));
            cycles = cycles.map(|c| q.cycles.unwrap_or(c));
        }
        if inodes > MAX_INODES {
            let expected = format!("{inodes} inodes: expected at most {MAX_INODES}");
            return Err(invalid("objects.inodes", expected));
        }
        if self.objects.mounts > MAX_INODES {
            let expected = format!(
                "{} mounts: expected at most {MAX_INODES}",
                self.objects.mounts
            );
            return Err(invalid("objects.mounts", expected));
        }
        if inodes == 0 {
            return Err(invalid(
                "objects.inodes",
                "expected at least 1 inode, got 0".into(),
            ));
        }
        let mounts = self.objects.mounts;
        if duration_ms.is_none() && cycles.is_none() {
            return Err(invalid(
                "run",
                "expected `duration_ms` or `cycles` (or both)".into(),
            ));
        }
        if duration_ms == Some(0) {
            return Err(invalid(
                "run.duration_ms",
                "expected a duration above 0 ms".into(),
            ));
        }
        if cycles == Some(0) {
            return Err(invalid("run.cycles", "expected at least 1 cycle".into()));
        }

        // Groups.
        if self.groups.is_empty() {
            return Err(invalid(
                "groups",
                "expected at least one [[groups]] entry".into(),
            ));
        }

        // The watch.
        let watch_mask = mask_of(&self.watch.mask)
            .map_err(|e| invalid("watch.mask", e))?
            .ok_or_else(|| invalid("watch.mask", "expected at least one event name".into()))?;
        let lifetime = match (self.watch.lifetime_events, self.watch.lifetime_us) {
            (Some(n), None) => Lifetime::Events(n),
            (None, Some(us)) if us > 0 => Lifetime::Micros(us),
            (None, Some(_)) => {
                return Err(invalid("watch.lifetime_us", "expected above 0".into()));
            }
            _ => {
                let expected = "expected exactly one of `lifetime_events` and `lifetime_us`";
                return Err(invalid("watch", expected.into()));
            }
        };
        if let (Lifetime::Micros(us), Some(ms)) = (lifetime, duration_ms) {
            if us >= ms.saturating_mul(1000) {
                let expected = format!(
                    "a watch of {us} us outlives the run of {ms} ms: expected under {} us",
                    ms * 1000
                );
                return Err(invalid("watch.lifetime_us", expected));
            }
        }
        if self.watch.long_lived > inodes {
            let expected = format!("expected at most the {inodes} inodes");
            return Err(invalid("watch.long_lived", expected));
        }
        if self.watch.long_lived_mounts > mounts {
            let expected = format!("expected at most the {mounts} mounts");
            return Err(invalid("watch.long_lived_mounts", expected));
        }

        // The event mix.
        let mut event_mix = Vec::new();
        for (name, &weight) in &self.events.mix {
            let Some(&(_, bit)) = EVENT_NAMES.iter().find(|(n, _)| n == name) else {
                let key = format!("events.mix.{name}");
                return Err(invalid(
                    &key,
                    format!("unknown event; expected one of {}", names()),
                ));
            };
            if weight > 0 {
                event_mix.push(EventWeight {
                    name: name.clone(),
                    mask: bit,
                    weight,
                });
            }
        }
        if event_mix.is_empty() {
            return Err(invalid(
                "events.mix",
                "expected at least one weight above 0".into(),
            ));
        }
        let mount_share = self.events.mount_share;
        if !(0.0..=1.0).contains(&mount_share) {
            let expected = format!("expected a share from 0 to 1, got {mount_share}");
            return Err(invalid("events.mount_share", expected));
        }
        if mount_share > 0.0 && mounts == 0 {
            let expected = "events go to mounts but `objects.mounts` is 0".into();
            return Err(invalid("events.mount_share", expected));
        }

        // The roles.
        let cpus = overrides.cpus.unwrap_or_else(available_cpus);
        let mut roles = Vec::new();
        for (i, role) in self.roles.iter().enumerate() {
            roles.push(
                role.resolve(cpus, overrides.threads)
                    .map_err(|(k, e)| invalid(&format!("roles[{i}].{k}"), e))?,
            );
        }
        let threads: u64 = roles.iter().map(|r| u64::from(r.threads)).sum();
        if threads == 0 {
            return Err(invalid("roles", "expected at least one thread".into()));
        }
        if threads > MAX_THREADS {
            let expected = format!("{threads} threads in all: expected at most {MAX_THREADS}");
            return Err(invalid("roles", expected));
        }
        let watchers = roles.iter().any(|r| r.kind == RoleKind::Watcher);
        if cycles.is_some() && !watchers {
            return Err(invalid(
                "run.cycles",
                "counts watch cycles but no role is a watcher".into(),
            ));
        }

        Ok(Scenario {
            name: self.name.unwrap_or_default(),
            description: self.description.unwrap_or_default(),
            seed: self.seed,
            inodes,
            mounts,
            groups: self.groups,
            watch_mask,
            lifetime,
            long_lived: self.watch.long_lived,
            long_lived_mounts: self.watch.long_lived_mounts,
            event_mix,
            mount_share,
            duration_ms,
            cycles,
            roles,
            quick: overrides.quick,
        })
    }
}

impl RoleFile {
    /// Resolves the thread count and checks that every key applies to the
    /// role's kind. Errors are (key, expected).
    fn resolve(
        &self,
        cpus: u32,
        threads_override: Option<u32>,
    ) -> Result<Role, (&'static str, String)> {
        let kind = self.kind;
        let kind_name = format!("{kind:?}").to_lowercase();
        let not_for = |key: &'static str| (key, format!("does not apply to a `{kind_name}` role"));

        let mut threads = match (self.threads, self.threads_per_cpu) {
            (Some(n), None) => n,
            (None, Some(per_cpu)) => per_cpu.saturating_mul(cpus),
            (None, None) => 1,
            (Some(_), Some(_)) => {
                let expected = "expected `threads` or `threads_per_cpu`, not both".into();
                return Err(("threads_per_cpu", expected));
            }
        };
        if threads == 0 {
            return Err(("threads", "expected at least 1 thread".into()));
        }
        if let (Some(n), RoleKind::Watcher | RoleKind::Reader) = (threads_override, kind) {
            threads = n.max(1);
        }
        if self.pick.is_some() && kind != RoleKind::Watcher {
            return Err(not_for("pick"));
        }
        if self.stall.is_some() && kind != RoleKind::StalledReader {
            return Err(not_for("stall"));
        }
        if self.pause_us.is_some() && kind != RoleKind::Evictor {
            return Err(not_for("pause_us"));
        }
        let stall = match (&self.stall, kind) {
            (Some(text), _) => parse_stall(text).ok_or_else(|| {
                let expected = format!("expected \"<n>ms\" (n above 0) or \"never\", got {text:?}");
                ("stall", expected)
            })?,
            (None, RoleKind::StalledReader) => {
                return Err(("stall", "expected a stall, \"<n>ms\" or \"never\"".into()));
            }
            (None, _) => Stall::Never,
        };
        Ok(Role {
            kind,
            threads,
            pick: self.pick.unwrap_or(Pick::Random),
            stall,
            pause_us: self.pause_us.unwrap_or(0),
        })
    }
}

fn parse_stall(text: &str) -> Option<Stall> {
    if text == "never" {
        return Some(Stall::Never);
    }
    let ms: u64 = text.strip_suffix("ms")?.trim().parse().ok()?;
    (ms > 0).then_some(Stall::Ms(ms))
}

fn mask_of(names_given: &[String]) -> Result<Option<u32>, String> {
    let mut mask = 0;
    for name in names_given {
        match EVENT_NAMES.iter().find(|(n, _)| n == name) {
            Some((_, bit)) => mask |= bit,
            None => {
                return Err(format!(
                    "unknown event `{name}`; expected one of {}",
                    names()
                ))
            }
        }
    }
    Ok((mask != 0).then_some(mask))
}

fn names() -> String {
    EVENT_NAMES
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}
