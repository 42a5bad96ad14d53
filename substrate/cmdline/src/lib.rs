//! The boot command line of an image: its arguments, its environment and
//! the runner's flags.
//!
//! seL4 gives a root task no command line (the multiboot module's string
//! stays with the kernel's boot code), so the image carries a page for one:
//! the section `.substrate_cmdline` (kept by the substrate's linker script,
//! `substrate/build/src/root-task.ld`), [`CMDLINE_SIZE`] bytes that start
//! with [`MAGIC`] and are otherwise zero in the built image. The runner
//! (`tools/runner/sel4-run IMAGE ARG... --env K=V`) writes the command line
//! into a copy of the image before it boots it, as a boot loader writes a
//! kernel's command line:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | [`MAGIC`] |
//! | 8 | 4 | total length of the strings below (little endian) |
//! | 12 | 2 | number of arguments (`argc`, the first is the program's name) |
//! | 14 | 2 | number of environment entries (`NAME=value`) |
//! | 16 | 4 | flags ([`FLAG_QUIET`]) |
//! | 20 | 4 | reserved, 0 |
//! | 24 | | the arguments, then the environment entries, each ending in a NUL byte |
//!
//! An image booted without a command line (the section as built) has no
//! arguments: [`args`] is empty, and language runtimes give their programs
//! the name `app` alone. Malformed contents (counts that do not match the
//! strings, a length past the section) count as no command line.
//!
//! Used by the C runtime (`ffi`: `main`'s `argc`/`argv` and newlib's
//! `environ`) and by `substrate-rt` (the quiet flag), so every guest
//! reads the command line the same way.
#![no_std]

use core::ffi::CStr;

/// Bytes in the section, header included: one page.
pub const CMDLINE_SIZE: usize = 4096;
/// The first bytes of the section, by which the runner finds and checks it.
pub const MAGIC: [u8; 8] = *b"S4CMDLN1";
/// Size of the header before the strings.
pub const HEADER_SIZE: usize = 24;
/// Flag: the runner shows only what the program writes (`sel4-run --quiet`),
/// so the runtime prints no lines of its own (its last line, `substrate:
/// exit ...`); faults are still reported.
pub const FLAG_QUIET: u32 = 1;

/// The section: the magic, then zeros until the runner writes into it.
#[used]
#[link_section = ".substrate_cmdline"]
static CMDLINE: [u8; CMDLINE_SIZE] = {
    let mut page = [0u8; CMDLINE_SIZE];
    let mut i = 0;
    while i < MAGIC.len() {
        page[i] = MAGIC[i];
        i += 1;
    }
    page
};

/// The section's bytes as the runner left them. Read through a volatile
/// load of its address: the compiler must not fold the built contents
/// (zeros) into the callers.
fn raw() -> &'static [u8; CMDLINE_SIZE] {
    // SAFETY: reading the address of a static through a volatile load of a
    // local copy yields the same address; the static is never written by
    // the program (only by the runner, before boot).
    unsafe {
        let p: *const [u8; CMDLINE_SIZE] = &CMDLINE;
        let local = p;
        &*core::ptr::read_volatile(&local)
    }
}

/// The parsed header, or `None` for no (or a malformed) command line.
#[derive(Debug, Clone, Copy)]
struct Header {
    len: usize,
    argc: usize,
    envc: usize,
    flags: u32,
}

fn header_of(page: &[u8; CMDLINE_SIZE]) -> Option<Header> {
    if page[..8] != MAGIC {
        return None;
    }
    let u32_at = |o: usize| u32::from_le_bytes([page[o], page[o + 1], page[o + 2], page[o + 3]]);
    let u16_at = |o: usize| u16::from_le_bytes([page[o], page[o + 1]]) as usize;
    let h = Header {
        len: u32_at(8) as usize,
        argc: u16_at(12),
        envc: u16_at(14),
        flags: u32_at(16),
    };
    if h.len > CMDLINE_SIZE - HEADER_SIZE {
        return None;
    }
    let strings = &page[HEADER_SIZE..HEADER_SIZE + h.len];
    let nuls = strings.iter().filter(|&&b| b == 0).count();
    (nuls == h.argc + h.envc && strings.last().is_none_or(|&b| b == 0)).then_some(h)
}

/// Iterator over NUL-terminated strings of a command line.
#[derive(Debug, Clone)]
pub struct Strings {
    rest: &'static [u8],
    left: usize,
}

impl Iterator for Strings {
    type Item = &'static CStr;

    fn next(&mut self) -> Option<&'static CStr> {
        if self.left == 0 {
            return None;
        }
        let s = CStr::from_bytes_until_nul(self.rest).ok()?;
        self.rest = &self.rest[s.to_bytes_with_nul().len()..];
        self.left -= 1;
        Some(s)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Strings {}

fn strings(skip: usize, take: usize) -> Strings {
    let page = raw();
    let Some(h) = header_of(page) else {
        return Strings { rest: &[], left: 0 };
    };
    let mut all = Strings {
        rest: &page[HEADER_SIZE..HEADER_SIZE + h.len],
        left: h.argc + h.envc,
    };
    for _ in 0..skip {
        all.next();
    }
    all.left = take;
    all
}

/// The arguments, the program's name first; empty when the image was booted
/// without a command line.
pub fn args() -> Strings {
    let n = header_of(raw()).map_or(0, |h| h.argc);
    strings(0, n)
}

/// The environment entries, each `NAME=value`.
pub fn env() -> Strings {
    match header_of(raw()) {
        Some(h) => strings(h.argc, h.envc),
        None => strings(0, 0),
    }
}

/// The value of environment entry `name`, if it is set.
pub fn var(name: &[u8]) -> Option<&'static [u8]> {
    env().find_map(|e| {
        let e = e.to_bytes();
        (e.len() > name.len() && e.starts_with(name) && e[name.len()] == b'=')
            .then(|| &e[name.len() + 1..])
    })
}

/// Whether the runner asked for only the program's own output
/// ([`FLAG_QUIET`]).
pub fn quiet() -> bool {
    header_of(raw()).is_some_and(|h| h.flags & FLAG_QUIET != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(argv: &[&str], env: &[&str], flags: u32) -> [u8; CMDLINE_SIZE] {
        let mut p = [0u8; CMDLINE_SIZE];
        p[..8].copy_from_slice(&MAGIC);
        let mut at = HEADER_SIZE;
        for s in argv.iter().chain(env) {
            p[at..at + s.len()].copy_from_slice(s.as_bytes());
            at += s.len() + 1;
        }
        p[8..12].copy_from_slice(&((at - HEADER_SIZE) as u32).to_le_bytes());
        p[12..14].copy_from_slice(&(argv.len() as u16).to_le_bytes());
        p[14..16].copy_from_slice(&(env.len() as u16).to_le_bytes());
        p[16..20].copy_from_slice(&flags.to_le_bytes());
        p
    }

    #[test]
    fn well_formed_pages_parse() {
        let p = page(&["app", "a b"], &["K=V"], FLAG_QUIET);
        let h = header_of(&p).unwrap();
        assert_eq!((h.argc, h.envc, h.flags), (2, 1, FLAG_QUIET));
    }

    #[test]
    fn as_built_and_malformed_pages_are_no_command_line() {
        assert!(header_of(raw()).is_some_and(|h| h.argc == 0 && h.envc == 0));
        assert_eq!(args().len(), 0);
        let mut p = page(&["app"], &[], 0);
        p[12] = 2; // two arguments, one string
        assert!(header_of(&p).is_none());
        let mut p = page(&["app"], &[], 0);
        p[8..12].copy_from_slice(&5000u32.to_le_bytes());
        assert!(header_of(&p).is_none());
        let mut p = page(&["app"], &[], 0);
        p[0] = b'X';
        assert!(header_of(&p).is_none());
    }
}
