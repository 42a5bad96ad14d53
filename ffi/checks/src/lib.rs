//! The argument checks of the C ABI (`substrate-ffi`) that need no kernel,
//! kept apart so that they run as host tests: the C ABI itself is a
//! `no_std` staticlib whose code only runs inside seL4.
//!
//! * [`byte_range`] and [`within`]: whether the memory a pointer argument
//!   names lies inside the regions the runtime has mapped;
//! * [`owns_run`]: whether every slot of a destination range belongs to C.
#![no_std]

use core::ops::Range;

/// The byte range `p .. p + len`, or `None` if it wraps around the end of
/// the address space.
pub fn byte_range(p: usize, len: usize) -> Option<Range<usize>> {
    Some(p..p.checked_add(len)?)
}

/// Whether `range` lies wholly inside one of `regions` (ranges touching two
/// adjacent regions are refused: each region is checked on its own).
pub fn within(range: &Range<usize>, regions: &[Range<usize>]) -> bool {
    range.start <= range.end
        && regions
            .iter()
            .any(|r| r.start <= range.start && range.end <= r.end)
}

/// Whether `first .. first + count` are all keys of `sorted` (sorted by
/// `key`, without duplicates): the slots of a destination range C must own.
/// A range reaching past `u64::MAX` is never owned.
pub fn owns_run<T>(sorted: &[T], key: impl Fn(&T) -> u64, first: u64, count: u64) -> bool {
    let Some(end) = first.checked_add(count) else {
        return false;
    };
    let Ok(start) = sorted.binary_search_by_key(&first, &key) else {
        return count == 0;
    };
    // Sorted without duplicates: the run is owned exactly when the `count`
    // entries from `first` on are `first, first + 1, ...`.
    let run = sorted.get(start..).unwrap_or(&[]);
    run.iter()
        .zip(first..end)
        .take_while(|(s, want)| key(s) == *want)
        .count() as u64
        == count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_inside_regions_only() {
        let regions = [0x1000..0x3000, 0x8000..0x9000];
        assert!(within(&(0x1000..0x3000), &regions));
        assert!(within(&(0x2fff..0x3000), &regions));
        assert!(within(&(0x8000..0x8001), &regions));
        assert!(!within(&(0x2fff..0x3001), &regions));
        assert!(!within(&(0x2000..0x8800), &regions));
        assert!(!within(&(0x0fff..0x1001), &regions));
        assert!(!within(&(0x4000..0x4001), &regions));
        // Adjacent regions do not join.
        assert!(!within(&(0x0fff..0x1001), &[0..0x1000, 0x1000..0x2000]));
    }

    #[test]
    fn wrapping_ranges_are_refused() {
        assert_eq!(byte_range(usize::MAX, 1), None);
        assert_eq!(
            byte_range(usize::MAX - 1, 1),
            Some(usize::MAX - 1..usize::MAX)
        );
        assert_eq!(byte_range(0xffff_8000_0000_0000, usize::MAX), None);
    }

    /// Property: a non-empty range is inside a region exactly when every
    /// byte of it is inside that one region (brute force on a small space).
    #[test]
    fn within_matches_a_model() {
        let regions = [3..9, 12..13, 20..32];
        for start in 0..40usize {
            for len in 1..40usize {
                let r = start..start + len;
                let model = regions
                    .iter()
                    .any(|g| (r.start..r.end).all(|a| g.contains(&a)));
                assert_eq!(within(&r, &regions), model, "{r:?}");
            }
        }
    }

    /// Property: a slot range is owned exactly when every slot of it is, for
    /// every start and count over a small slot space.
    #[test]
    fn owned_runs_match_a_model() {
        let owned = [3u64, 4, 5, 7, 9, 12, 13, 20];
        for first in 0..25u64 {
            for count in 1..8u64 {
                let model = (first..first + count).all(|s| owned.contains(&s));
                assert_eq!(
                    owns_run(&owned, |&s| s, first, count),
                    model,
                    "{first}+{count}"
                );
            }
        }
    }

    #[test]
    fn runs_past_the_last_slot_are_nobodys() {
        let owned = [u64::MAX - 1, u64::MAX];
        assert!(owns_run(&owned, |&s| s, u64::MAX - 1, 1));
        assert!(!owns_run(&owned, |&s| s, u64::MAX, 1));
        assert!(!owns_run(&owned, |&s| s, u64::MAX - 1, 2));
        assert!(!owns_run(&[], |&s: &u64| s, 0, 1));
    }
}
