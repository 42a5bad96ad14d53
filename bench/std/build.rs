fn main() {
    substrate_build::std_program();
}
