fn main() {
    sel4_build_cfg::emit();
    substrate_build::root_task();
}
