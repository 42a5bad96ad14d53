//! Links the image as a root task and compiles the C program against
//! `substrate.h` (freestanding: no C library).
fn main() {
    substrate_build::c_root_task(&["c/main.c"], "c_threads", &[]);
}
