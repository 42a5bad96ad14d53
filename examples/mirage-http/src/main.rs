//! The `mirage-http` system: the virtio-net driver component and an HTTP
//! unikernel in OCaml (`http.ml`: Debian's cohttp-lwt over mirage-sel4's
//! `Net.Tcp` flow, on the substrate's network stack); see `system.toml`.
#![no_std]
#![no_main]

sel4_system_initializer::system_image!();
