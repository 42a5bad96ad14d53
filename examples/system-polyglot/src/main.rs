//! The `polyglot` system: a Rust client, a C server and an OCaml
//! unikernel, started by the system initializer from `system.toml`.
#![no_std]
#![no_main]

sel4_system_initializer::system_image!();
