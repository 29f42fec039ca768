//! The conformance suite: one body of tests, instantiated for every scheme by
//! `for_each_scheme!`. Every scheme must give the model the same behaviour;
//! only when connectors are freed differs, by the scheme's policy.

mod common;

use common::*;
use connbench_impls::{AddMarkError, ConnectorPolicy, Fsnotify, Scheme};

fn model<S: Scheme>() -> Fsnotify<S> {
    Fsnotify::new(OBJECTS, 2)
}

pub fn add_find_remove<S: Scheme>() {
    let fs = model::<S>();
    let group = fs.new_group(0);
    let inode = fs.igrab(fs.inode(0)).unwrap();

    assert!(fs.find_mark(&inode, &group).is_none());
    let mark = fs.add_mark(&inode, &group, IN_MODIFY).unwrap();
    assert_eq!(mark.mask(), IN_MODIFY);
    assert!(fs.has_connector(inode.id()));
    let found = fs.find_mark(&inode, &group).expect("the mark just added");
    assert_eq!(found.group().id(), group.id());
    assert_eq!(fs.marks_of(&inode), vec![(group.id(), IN_MODIFY)]);

    assert!(fs.remove_mark(mark));
    assert!(fs.find_mark(&inode, &group).is_none());
    assert!(fs.marks_of(&inode).is_empty());
    // The found reference outlives the destroy; destroying again does nothing.
    assert!(!fs.remove_mark(found));
    drop(inode);
    assert_all_freed(&fs);
}

pub fn second_mark_of_a_group_is_refused<S: Scheme>() {
    let fs = model::<S>();
    let group = fs.new_group(0);
    let inode = fs.igrab(fs.inode(1)).unwrap();
    let mark = fs.add_mark(&inode, &group, IN_MODIFY).unwrap();
    assert_eq!(
        fs.add_mark(&inode, &group, IN_OPEN).err(),
        Some(AddMarkError::Exists)
    );
    assert_eq!(fs.marks_of(&inode).len(), 1);
    // The refused mark was freed at once; the caller's reference keeps the
    // other alive across the eviction below, so drop it first.
    drop((inode, mark));
    assert_all_freed(&fs);
}

pub fn marks_are_ordered_by_group_priority<S: Scheme>() {
    let fs = model::<S>();
    let low = fs.new_group(1);
    let high = fs.new_group(5);
    let mid = fs.new_group(3);
    let mid_later = fs.new_group(3);
    let inode = fs.igrab(fs.inode(0)).unwrap();
    for group in [&mid_later, &low, &high, &mid] {
        fs.add_mark(&inode, group, IN_MODIFY).unwrap();
    }
    let order: Vec<u32> = fs.marks_of(&inode).iter().map(|&(g, _)| g).collect();
    assert_eq!(order, vec![high.id(), mid.id(), mid_later.id(), low.id()]);

    // Removing from the middle keeps the order of the rest.
    fs.remove_mark(fs.find_mark(&inode, &mid).unwrap());
    let order: Vec<u32> = fs.marks_of(&inode).iter().map(|&(g, _)| g).collect();
    assert_eq!(order, vec![high.id(), mid_later.id(), low.id()]);
    drop(inode);
    assert_all_freed(&fs);
}

pub fn object_mask_is_the_union_of_its_marks<S: Scheme>() {
    let fs = model::<S>();
    let (a, b) = (fs.new_group(0), fs.new_group(1));
    let inode = fs.igrab(fs.inode(2)).unwrap();
    let id = inode.id();
    assert_eq!(fs.object_mask(id), 0);

    let mark_a = fs.add_mark(&inode, &a, IN_MODIFY).unwrap();
    let mark_b = fs.add_mark(&inode, &b, IN_OPEN).unwrap();
    assert_eq!(fs.object_mask(id), IN_MODIFY | IN_OPEN);

    fs.set_mark_mask(&mark_a, IN_CLOSE);
    assert_eq!(fs.object_mask(id), IN_CLOSE | IN_OPEN);

    fs.remove_mark(mark_b);
    assert_eq!(fs.object_mask(id), IN_CLOSE);
    fs.remove_mark(mark_a);
    assert_eq!(fs.object_mask(id), 0);
    drop(inode);
    assert_all_freed(&fs);
}

pub fn events_reach_the_marks_that_want_them<S: Scheme>() {
    let fs = model::<S>();
    let groups: Vec<_> = (0..3).map(|p| fs.new_group(p)).collect();
    let inode = fs.igrab(fs.inode(OBJECTS - 1)).unwrap();
    let mount = fs.igrab(fs.mount(0)).unwrap();

    assert_eq!(
        fs.handle_event(&inode, Some(&mount), IN_MODIFY),
        0,
        "nothing attached"
    );
    fs.add_mark(&inode, &groups[0], IN_MODIFY).unwrap();
    fs.add_mark(&inode, &groups[1], IN_MODIFY | IN_OPEN)
        .unwrap();
    fs.add_mark(&inode, &groups[2], IN_OPEN).unwrap();
    fs.add_mark(&mount, &groups[0], IN_MODIFY).unwrap();

    assert_eq!(fs.handle_event(&inode, None, IN_MODIFY), 2);
    assert_eq!(fs.handle_event(&inode, None, IN_OPEN), 2);
    assert_eq!(fs.handle_event(&inode, None, IN_CLOSE), 0);
    assert_eq!(fs.handle_event(&inode, Some(&mount), IN_MODIFY), 3);
    assert_eq!(fs.handle_event(&inode, Some(&mount), IN_OPEN), 2);
    drop((inode, mount));
    assert_all_freed(&fs);
}

pub fn inode_is_pinned_while_marked_and_mount_is_not<S: Scheme>() {
    let fs = model::<S>();
    let group = fs.new_group(0);
    let inode = fs.igrab(fs.inode(0)).unwrap();
    let mount = fs.igrab(fs.mount(1)).unwrap();
    assert_eq!(fs.object_refs(inode.id()), 1);

    let (inode_mark, mount_mark) = (
        fs.add_mark(&inode, &group, IN_MODIFY).unwrap(),
        fs.add_mark(&mount, &group, IN_MODIFY).unwrap(),
    );
    let second = fs.new_group(1);
    let second_mark = fs.add_mark(&inode, &second, IN_OPEN).unwrap();
    assert_eq!(
        fs.object_refs(inode.id()),
        2,
        "one pin for the connector, not per mark"
    );
    assert_eq!(fs.object_refs(mount.id()), 1, "mounts are not pinned");

    fs.remove_mark(inode_mark);
    assert_eq!(fs.object_refs(inode.id()), 2);
    fs.remove_mark(second_mark);
    assert_eq!(
        fs.object_refs(inode.id()),
        1,
        "the pin goes with the last mark"
    );
    fs.remove_mark(mount_mark);
    drop((inode, mount));
    assert_all_freed(&fs);
}

pub fn eviction_destroys_marks_and_recreates_the_object<S: Scheme>() {
    let fs = model::<S>();
    let (a, b) = (fs.new_group(0), fs.new_group(1));
    let id = fs.inode(0);
    let (held, connectors_before) = {
        let inode = fs.igrab(id).unwrap();
        fs.add_mark(&inode, &a, IN_MODIFY).unwrap();
        (
            fs.add_mark(&inode, &b, IN_OPEN).unwrap(),
            fs.snapshot().connectors_allocated,
        )
    };
    assert_eq!(fs.object_refs(id), 1, "only the connector's pin");

    assert!(fs.evict(id));
    assert_eq!(fs.evictions(id), 1);
    assert!(!fs.has_connector(id));
    assert_eq!(fs.object_mask(id), 0);
    assert_eq!(fs.object_refs(id), 0);
    assert!(!fs.remove_mark(held), "eviction destroyed it already");

    // The object comes back empty and can be watched again.
    let inode = fs.igrab(id).expect("recreated");
    assert_eq!(fs.handle_event(&inode, None, IN_MODIFY), 0);
    fs.add_mark(&inode, &a, IN_MODIFY).unwrap();
    assert_eq!(fs.snapshot().connectors_allocated, connectors_before + 1);
    assert_eq!(fs.handle_event(&inode, None, IN_MODIFY), 1);
    drop(inode);
    assert_all_freed(&fs);
}

pub fn several_groups_share_one_connector<S: Scheme>() {
    let fs = model::<S>();
    let groups: Vec<_> = (0..4).map(|p| fs.new_group(p)).collect();
    let inode = fs.igrab(fs.inode(OBJECTS - 1)).unwrap();
    let marks: Vec<_> = groups
        .iter()
        .map(|g| fs.add_mark(&inode, g, IN_MODIFY).unwrap())
        .collect();
    assert_eq!(fs.snapshot().connectors_allocated, 1);
    assert_eq!(fs.handle_event(&inode, None, IN_MODIFY), 4);
    for (left, mark) in (0..marks.len()).rev().zip(marks) {
        fs.remove_mark(mark);
        assert_eq!(fs.handle_event(&inode, None, IN_MODIFY), left as u32);
    }
    drop(inode);
    assert_all_freed(&fs);
}

/// `keep` is the kernel before the patch; every other scheme frees on last
/// detach. Checked by id, so a scheme cannot pass the policy-dependent tests
/// below by changing its policy.
pub fn policy_matches_the_scheme<S: Scheme>() {
    let expected = match S::ID {
        "keep" => ConnectorPolicy::KeepUntilEvict,
        _ => ConnectorPolicy::FreeOnLastDetach,
    };
    assert_eq!(S::POLICY, expected, "{}", S::ID);
}

/// The seed patch's case: watch N inodes briefly. `srcu`-like schemes hold no
/// connector afterwards; `keep` holds one per inode until eviction.
pub fn temporary_watches_leave_connectors_by_policy<S: Scheme>() {
    let fs = model::<S>();
    let group = fs.new_group(0);
    let n = fs.object_count() - 2; // the inodes
    for _ in 0..2 {
        for i in 0..n {
            let inode = fs.igrab(fs.inode(i)).unwrap();
            let mark = fs.add_mark(&inode, &group, IN_MODIFY).unwrap();
            assert_eq!(fs.handle_event(&inode, None, IN_MODIFY), 1);
            fs.remove_mark(mark);
            assert_eq!(fs.object_refs(inode.id()), 1, "the pin went with the mark");
        }
    }
    fs.barrier();
    let c = fs.snapshot();
    let attached = (0..n).filter(|&i| fs.has_connector(fs.inode(i))).count() as u64;
    match S::POLICY {
        ConnectorPolicy::FreeOnLastDetach => {
            assert_eq!(c.live_connectors(), 0, "{c:?}");
            assert_eq!(attached, 0);
            assert_eq!(
                c.connectors_allocated,
                2 * u64::from(n),
                "a new connector per watch"
            );
        }
        ConnectorPolicy::KeepUntilEvict => {
            assert_eq!(c.live_connectors(), u64::from(n), "{c:?}");
            assert_eq!(attached, u64::from(n));
            assert_eq!(
                c.connectors_allocated,
                u64::from(n),
                "the kept connector is reused"
            );
        }
    }
    assert_eq!(
        c.marks_allocated, c.marks_freed,
        "every mark freed after the barrier"
    );
    assert_all_freed(&fs);
}

pub fn repeated_cycles_free_everything<S: Scheme>() {
    let fs = model::<S>();
    let groups = [fs.new_group(0), fs.new_group(7)];
    for cycle in 0..CYCLES {
        let inode = fs.igrab(fs.inode(cycle as u32 % 4)).unwrap();
        let marks: Vec<_> = groups
            .iter()
            .map(|g| fs.add_mark(&inode, g, IN_MODIFY).unwrap())
            .collect();
        assert_eq!(fs.handle_event(&inode, None, IN_MODIFY), 2);
        for mark in marks {
            fs.remove_mark(mark);
        }
        if cycle % 16 == 0 {
            drop(inode);
            fs.evict(fs.inode(cycle as u32 % 4));
        }
    }
    assert_all_freed(&fs);
}

macro_rules! conformance {
    ($($name:ident => $scheme:ty,)*) => {$(
        mod $name {
            type S = $scheme;
            #[test] fn add_find_remove() { super::add_find_remove::<S>() }
            #[test] fn second_mark_of_a_group_is_refused() { super::second_mark_of_a_group_is_refused::<S>() }
            #[test] fn marks_are_ordered_by_group_priority() { super::marks_are_ordered_by_group_priority::<S>() }
            #[test] fn object_mask_is_the_union_of_its_marks() { super::object_mask_is_the_union_of_its_marks::<S>() }
            #[test] fn events_reach_the_marks_that_want_them() { super::events_reach_the_marks_that_want_them::<S>() }
            #[test] fn inode_is_pinned_while_marked_and_mount_is_not() { super::inode_is_pinned_while_marked_and_mount_is_not::<S>() }
            #[test] fn eviction_destroys_marks_and_recreates_the_object() { super::eviction_destroys_marks_and_recreates_the_object::<S>() }
            #[test] fn several_groups_share_one_connector() { super::several_groups_share_one_connector::<S>() }
            #[test] fn policy_matches_the_scheme() { super::policy_matches_the_scheme::<S>() }
            #[test] fn temporary_watches_leave_connectors_by_policy() { super::temporary_watches_leave_connectors_by_policy::<S>() }
            #[test] fn repeated_cycles_free_everything() { super::repeated_cycles_free_everything::<S>() }
        }
    )*};
}
connbench_impls::for_each_scheme!(conformance);
