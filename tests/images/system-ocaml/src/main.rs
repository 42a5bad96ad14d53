//! The `ocaml` test system: a Rust client and an OCaml server on the
//! Mirage-style main loop (see `system.toml`).
#![no_std]
#![no_main]

sel4_system_initializer::system_image!();
