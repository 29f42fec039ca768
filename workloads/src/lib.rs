//! Temporary-watch workloads: scenario files, the driver that runs them over
//! a reclamation scheme, the measurements, and the result format.
//!
//! # Flow
//!
//! A scenario file ([`scenario`]) becomes a checked [`Scenario`]; [`run`]
//! drives it over one scheme, generically, and measures it ([`measure`],
//! [`alloc`]); the outcome is a [`RunResult`] ([`result`]), written as one
//! JSON file per (scenario, scheme).
//!
//! The crate never prints: progress goes to a callback of the caller.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod alloc;
mod driver;
pub mod kernel;
pub mod measure;
pub mod result;
pub mod scenario;
pub mod shipped;
mod worker;

pub use driver::{run, RunOptions};
pub use result::RunResult;
pub use scenario::{Overrides, Scenario, ScenarioError};
