//! The `net-queue` test system: the virtio-net driver and a client.
#![no_std]
#![no_main]

sel4_system_initializer::system_image!();
