//! A C program on seL4: `c/main.c` runs two threads that share a counter
//! under a mutex, all through `substrate.h`. `substrate-ffi` provides the
//! runtime that calls its `main`.
#![no_std]
#![no_main]

use substrate_ffi as _;
