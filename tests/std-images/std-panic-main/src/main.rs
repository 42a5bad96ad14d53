//! A panic in `main`: std prints its message, `main` returns 101, and the
//! image ends with failure.
fn main() {
    println!("std-panic-main: about to panic");
    let answer = std::hint::black_box(42);
    if answer == 42 {
        panic!("the answer is {answer}");
    }
    println!("not reached");
}
