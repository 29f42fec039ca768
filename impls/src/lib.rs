//! The fsnotify connector model and the memory-reclamation schemes connbench
//! compares.
//!
//! In Linux, `fs/notify/mark.c` hangs a *connector* off every inode or mount
//! that some group watches; the connector holds that object's marks, and event
//! delivery reads them without locks inside an SRCU read-side section. Since a
//! 2017 patch the connector is freed when its last mark goes, after a grace
//! period; before it, the connector stayed until the object died.
//!
//! This crate models that lifecycle ([`Fsnotify`]) generically over a
//! reclamation [`Scheme`], so the same model runs on every scheme:
//!
//! - [`model`]: objects, groups, marks, connectors and their operations;
//! - [`scheme`]: the lifecycle trait every scheme implements;
//! - [`schemes`]: one module per scheme, and the run-time front;
//! - [`engine`]: the unsafe machinery the schemes are built from.
//!
//! The crate never prints and never measures; it counts what it allocates,
//! retires and frees ([`Counters`]), and the harness reads the counts.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod engine;
pub mod model;
mod poison;
pub mod retired;
pub mod scheme;
pub mod schemes;
mod sync;

pub use model::{AddMarkError, Fsnotify, Group, MarkRef, ObjRef, ObjectId, ObjectKind};
pub use retired::{CounterSnapshot, Counters, NodeKind, Retired};
pub use scheme::{ConnectorPolicy, ReadGuard, Scheme, PROTECT_SLOTS};
pub use schemes::{visit, SchemeInfo, SchemeVisitor, UnknownScheme, SCHEMES};

/// Whether this build poisons freed nodes and checks them on the read side.
pub const POISON_CHECKS: bool = cfg!(feature = "poison");
