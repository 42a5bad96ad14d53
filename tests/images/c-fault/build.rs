//! Links the image as a root task and compiles the C program against
//! `substrate.h` (freestanding: no C library).
fn main() {
    substrate_build::root_task();
    let include = std::env::var("DEP_SUBSTRATE_FFI_INCLUDE").expect("substrate-ffi publishes it");
    println!("cargo:rerun-if-changed=c/fault.c");
    cc::Build::new()
        .file("c/fault.c")
        .include(include)
        .flag("-std=c11")
        .flag("-ffreestanding")
        .flag("-fno-stack-protector")
        .flag("-fno-pic")
        .flag("-Wall")
        .flag("-Wextra")
        .flag("-Werror")
        // `main` is only weakly referenced by the runtime: link it whole.
        .link_lib_modifier("+whole-archive")
        .compile("c_fault");
}
