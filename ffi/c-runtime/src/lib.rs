//! `libsubstrate_c_runtime.a`: `substrate-ffi` (the C ABI of
//! `substrate.h`, with its `c-runtime` entry: `_start`, the initial stack,
//! the heap, the panic handler and the caller of C `main`) as the static
//! library that C programs link (`c-newlib/sel4-cc`).
//!
//! A package of its own because cargo builds every crate type of a
//! dependency: were `substrate-ffi` itself a staticlib, a std program
//! depending on it without the `c-runtime` entry would fail to build that
//! staticlib, which then has no panic handler.
#![no_std]

// Links the whole C ABI and the runtime into the archive (not into a host
// test build, `clippy --all-targets`, which has std's panic handler).
#[cfg(not(test))]
use substrate_ffi as _;
