//! Sizes shared by the integration tests, shrunk in one place under Miri.

#![allow(dead_code)]

/// Objects in a model built for a test.
pub const OBJECTS: u32 = if cfg!(miri) { 4 } else { 64 };

/// Repetitions of a cycle in a single-threaded test.
pub const CYCLES: usize = if cfg!(miri) { 3 } else { 200 };

/// Event masks used across the tests.
pub const IN_MODIFY: u32 = 0x2;
pub const IN_OPEN: u32 = 0x20;
pub const IN_CLOSE: u32 = 0x8;
