//! Links the image as a root task and compiles the C libsel4 versions of
//! the benchmark operations against the kernel install's own headers.
use std::path::Path;

fn main() {
    sel4_build_cfg::emit();
    substrate_build::root_task();
    let include = std::env::var("DEP_SEL4_INCLUDE").expect("sel4-sys publishes it");
    println!("cargo:rerun-if-changed=c/libsel4_bench.c");
    let mut build = cc::Build::new();
    build
        .file("c/libsel4_bench.c")
        .include(&include)
        .opt_level(2)
        // libsel4's syscall stubs use `register ... asm`: GNU C.
        .flag("-std=gnu11")
        .flag("-ffreestanding")
        .flag("-fno-stack-protector")
        .flag("-fno-pic")
        .flag("-Wall")
        .flag("-Wno-unused-function");
    // Current libsel4 keeps the IPC buffer pointer in a thread-local
    // variable its library defines; seL4 5.0 reads it through GS.
    let functions = Path::new(&include).join("sel4").join("functions.h");
    if std::fs::read_to_string(&functions).is_ok_and(|h| h.contains("__sel4_ipc_buffer")) {
        build.define("BENCH_LIBSEL4_TLS_IPC_BUFFER", None);
    }
    build.compile("libsel4_bench");
}
