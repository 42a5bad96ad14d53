fn main() {
    // The same program for seL4 (a std program) or, with
    // DAFNY_BENCH_LINUX=1, for Linux, to compare the two.
    println!("cargo:rerun-if-env-changed=DAFNY_BENCH_LINUX");
    if std::env::var_os("DAFNY_BENCH_LINUX").is_none() {
        substrate_build::std_program();
    }
    if dafny_build::Dafny::new()
        .file("../../examples/dafny-server/src/queue.dfy")
        .root("crate::verified")
        .compile()
        .is_none()
    {
        std::process::exit(1);
    }
}
