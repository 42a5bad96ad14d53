//! Generator for the `sel4-sys` bindings.
//!
//! Reads a seL4 install prefix (`<prefix>/libsel4/include/...`) and emits Rust source.

pub mod bitfield;
