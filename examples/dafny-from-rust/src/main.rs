//! A Rust program on seL4 calling verified Dafny: `src/sort.dfy` is
//! verified and translated to Rust by `build.rs` (dafny-build), and its
//! methods are ordinary Rust functions on `dafny-runtime` values.

mod verified {
    include!(concat!(env!("OUT_DIR"), "/dafny.rs"));
}

use dafny_support::prelude::{rd, DafnyInt, Object, Sequence};
use verified::_module::_default as dafny;

/// Sorts with the verified insertion sort.
fn sort(values: &[i64]) -> Vec<i64> {
    let array: Object<[DafnyInt]> =
        dafny_support::array_of(values.iter().map(|&v| DafnyInt::from(v)).collect());
    dafny::InsertionSort(array.clone());
    rd!(array)
        .iter()
        .map(|v| i64::try_from(v.as_ref()).expect("an i64"))
        .collect()
}

/// Searches the sorted `values` with the verified binary search:
/// `Ok(index)` if found, `Err(insertion point)` otherwise (as
/// `slice::binary_search` reports it).
fn search(values: &[i64], key: i64) -> Result<usize, usize> {
    let s = Sequence::from_array_owned(values.iter().map(|&v| DafnyInt::from(v)).collect());
    let (found, index) = dafny::BinarySearch(s, DafnyInt::from(key));
    let index = dafny_support::ix(&index);
    if found {
        Ok(index)
    } else {
        Err(index)
    }
}

fn main() {
    let data = [42, -7, 3, 1000, 0, 21, 8, -40, 99, 3, 512, 15];
    let sorted = sort(&data);
    println!(
        "dafny-from-rust: sorted {} numbers: {sorted:?}",
        sorted.len()
    );
    let show = |key: i64| match search(&sorted, key) {
        Ok(i) => format!("{key} found at {i}"),
        Err(i) => format!("{key} not found (insert at {i})"),
    };
    println!("dafny-from-rust: {}, {}, {}", show(21), show(4), show(1000));

    // Random inputs against Rust's own sort and binary search. The verified
    // search may find any of equal keys, so a hit is checked by value.
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as i64
    };
    let mut checks = 0;
    for round in 0..50 {
        let len = (next() % 40) as usize + round % 3;
        let values: Vec<i64> = (0..len).map(|_| next() % 200 - 100).collect();
        let mine = sort(&values);
        let mut theirs = values.clone();
        theirs.sort();
        assert_eq!(mine, theirs, "sort of {values:?}");
        checks += 1;
        for _ in 0..9 {
            let key = next() % 220 - 110;
            match (search(&mine, key), theirs.binary_search(&key)) {
                (Ok(i), Ok(_)) => assert_eq!(mine[i], key),
                (Err(i), Err(j)) => assert_eq!(i, j, "insertion point of {key} in {mine:?}"),
                (a, b) => panic!("search of {key} in {mine:?}: {a:?} against {b:?}"),
            }
            checks += 1;
        }
    }
    println!("dafny-from-rust: {checks} checks against Rust's sort and binary_search passed");
}
