//! The `net-http` system: the virtio-net driver component and an HTTP/1.1
//! server component (`server/`) on smoltcp over the driver's queues (see
//! `system.toml`). `sel4-run --forward 8080:80` makes it
//! `http://127.0.0.1:8080/` on the host.
#![no_std]
#![no_main]

sel4_system_initializer::system_image!();
