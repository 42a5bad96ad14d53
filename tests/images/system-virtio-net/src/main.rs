//! The `virtio-net` test system: one driver component.
#![no_std]
#![no_main]

sel4_system_initializer::system_image!();
