fn main() {
    substrate_build::root_task();
    // The description `sel4-system build` names; without one (workspace
    // builds) the image holds no system and says so when booted.
    sel4_system_build::system_from_env("SEL4_SYSTEM_DESCRIPTION");
}
