fn main() {
    substrate_build::std_program();
    // Verify src/sort.dfy with Dafny (a failed proof fails the build) and
    // translate it to $OUT_DIR/dafny.rs.
    if dafny_build::Dafny::new()
        .file("src/sort.dfy")
        .root("crate::verified")
        .compile()
        .is_none()
    {
        std::process::exit(1);
    }
}
