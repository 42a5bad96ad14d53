fn main() {
    substrate_build::root_task();
    // Reads system.toml, builds the driver and the OCaml server, and writes the plan.
    sel4_system_build::system("system.toml");
}
