//! Links the image as a root task and compiles the C test program against
//! the committed `substrate.h` (freestanding: no C library).
fn main() {
    substrate_build::c_root_task(&["c/abi_test.c"], "c_abi_test", &["-fno-builtin"]);
}
