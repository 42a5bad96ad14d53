//! The `device` test system: a component given device memory (see
//! `system.toml`).
#![no_std]
#![no_main]

sel4_system_initializer::system_image!();
