fn main() {
    // A main thread stack other than the default 8 MiB, checked in main.
    substrate_build::StdProgram::new()
        .main_stack_size(16 << 20)
        .link();
}
