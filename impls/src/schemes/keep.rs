//! `keep`: the kernel before the 2017 patch. A connector, once attached,
//! stays with its object, empty or not, until the object is evicted.
//!
//! # Algorithm
//!
//! The first mark on an object attaches a connector; the last mark to go
//! leaves it attached with an empty list (and unpins the inode). Only
//! [`crate::Fsnotify::evict`] detaches and retires it.
//!
//! # Read side and grace period
//!
//! As `srcu`: marks are still freed after an SRCU grace period, as the kernel
//! freed them then, and so is the connector of an evicted object.
//!
//! # Memory bound
//!
//! One connector for every object ever watched and not yet evicted: the
//! growth the patch removed.
//!
//! # Source
//!
//! `fs/notify/mark.c` and `fs/notify/inode_mark.c` as of Linux 4.12.

use super::srcu::{SrcuDeferred, SrcuFlavour};
use crate::engine::srcu::FullFence;
use crate::scheme::ConnectorPolicy;

/// The flavour of the kernel before the patch.
pub struct KeepUntilEvict;

impl SrcuFlavour for KeepUntilEvict {
    const ID: &'static str = "keep";
    const DESCRIPTION: &'static str =
        "before the 2017 patch: an empty connector stays attached until its object is evicted";
    const POLICY: ConnectorPolicy = ConnectorPolicy::KeepUntilEvict;
    type Fence = FullFence;
}

/// The `keep` scheme.
pub type Keep = SrcuDeferred<KeepUntilEvict>;
