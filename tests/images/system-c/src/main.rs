//! The `c` test system: a Rust client and a C server (see `system.toml`).
#![no_std]
#![no_main]

sel4_system_initializer::system_image!();
