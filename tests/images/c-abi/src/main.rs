//! The C ABI test image: the program is `c/abi_test.c`; `substrate-ffi`
//! provides the runtime that calls its `main` and the functions it tests.
#![no_std]
#![no_main]

use substrate_ffi as _;
