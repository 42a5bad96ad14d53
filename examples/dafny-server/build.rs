fn main() {
    substrate_build::std_program();
    // Verify src/server.dfy with Dafny (a failed proof fails the build) and
    // translate it to $OUT_DIR/dafny.rs.
    if dafny_build::Dafny::new()
        .file("src/server.dfy")
        .root("crate::verified")
        .compile()
        .is_none()
    {
        std::process::exit(1);
    }
}
