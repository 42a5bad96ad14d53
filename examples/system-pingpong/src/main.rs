//! The `pingpong` system: the root task is the system initializer, which
//! starts the components `system.toml` describes (`ping` and `pong`, in
//! this directory) with the capabilities it grants them, and serves as
//! their fault handler until `ping` has exited.
#![no_std]
#![no_main]

sel4_system_initializer::system_image!();
