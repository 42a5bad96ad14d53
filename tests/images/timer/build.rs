fn main() {
    substrate_build::root_task();
}
