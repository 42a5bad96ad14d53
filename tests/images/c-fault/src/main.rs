//! The C program `c/fault.c` faults in `main`; `substrate-ffi`'s runtime
//! must report it and fail.
#![no_std]
#![no_main]

use substrate_ffi as _;
