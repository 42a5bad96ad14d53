fn main() {
    substrate_build::root_task();
    // Builds examples/spawn-task-child; its ELF path is in
    // SUBSTRATE_COMPONENT_SPAWN_TASK_CHILD for include_bytes!.
    substrate_build::embed_component("spawn-task-child");
}
