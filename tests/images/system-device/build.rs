fn main() {
    substrate_build::root_task();
    // Reads system.toml, builds ping and pong, and writes the plan.
    sel4_system_build::system("system.toml");
}
