//! Temporary-watch workloads: scenario files, the driver that runs them over
//! a reclamation scheme, the measurements, and the result format.

#![deny(unsafe_op_in_unsafe_fn)]

pub mod kernel;
pub mod result;
