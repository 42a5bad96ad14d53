//! The `restart` system: a client and a server that faults on a given
//! request (see `system.toml`); the initializer reports the fault,
//! restarts the server from its initial state and tells the client.
#![no_std]
#![no_main]

sel4_system_initializer::system_image!();
