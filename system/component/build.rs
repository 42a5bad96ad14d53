//! Kernel-dependent cfgs (see `sel4-build-cfg`).
fn main() {
    sel4_build_cfg::emit();
}
