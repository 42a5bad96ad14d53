//! The `polyglot` system: a Rust client, a C server, an OCaml unikernel
//! and a verified Dafny component, started by the system initializer from `system.toml`.
#![no_std]
#![no_main]

sel4_system_initializer::system_image!();
