//! Intentionally empty: this crate exists only so that `cargo fetch` downloads
//! the seL4 5.0.0 kernel source carried by `sel4-sys` 0.0.28.
