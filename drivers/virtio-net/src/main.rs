//! The virtio-net driver component (see the library's documentation).
#![no_std]
#![no_main]

sel4_system_component::component!(sel4_virtio_net::init);
