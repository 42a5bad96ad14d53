fn main() {
    substrate_build::root_task();
    sel4_build_cfg::emit();
}
