//! The `net-dhcp` test system: the virtio-net driver and a smoltcp client.
#![no_std]
#![no_main]

sel4_system_initializer::system_image!();
