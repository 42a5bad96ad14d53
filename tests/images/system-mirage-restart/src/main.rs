//! Boot test: the `mirage-http` system with a driver that faults on a
//! given frame; it is restarted, and the OCaml unikernel goes on serving.
#![no_std]
#![no_main]

sel4_system_initializer::system_image!();
