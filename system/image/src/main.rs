//! The image `sel4-system build system.toml` links: the system
//! initializer running the plan of the description it was built from.
#![no_std]
#![no_main]

sel4_system_initializer::system_image!();
