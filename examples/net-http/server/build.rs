fn main() {
    substrate_build::component();
}
