//! A std program on seL4: the host target's own precompiled `std`, on the
//! substrate's std personality. Nothing here knows about seL4.
use std::collections::HashMap;
use std::time::Instant;

fn main() {
    let start = Instant::now();
    let args: Vec<String> = std::env::args().collect();
    println!("std-hello: args {args:?}");
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for word in "a b a".split(' ') {
        *counts.entry(word).or_default() += 1;
    }
    let mut pairs: Vec<_> = counts.iter().map(|(w, n)| format!("{w}={n}")).collect();
    pairs.sort();
    println!(
        "std-hello: {} words counted: {}",
        counts.values().sum::<usize>(),
        pairs.join(" ")
    );
    println!("std-hello: elapsed {:?}", start.elapsed());
}
