use super::*;

const PINGPONG: &str = r#"
[system]
name = "pingpong"

[[component]]
name = "ping"
package = "system-pingpong-ping"
priority = 90

[[component]]
name = "pong"
package = "system-pingpong-pong"
heap = "256 KiB"
restart = true

[[memory]]
name = "buffer"
size = "64 KiB"

[[component.map]]
memory = "buffer"
vaddr = 0x1_0000_0000

[[channel]]
from = { component = "ping", id = 0 }
to = { component = "pong", id = 3 }
protected = true
"#;

fn errors(text: &str) -> Vec<(usize, String)> {
    match System::parse(text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.into_iter().map(|e| (e.line, e.message)).collect(),
    }
}

fn one_error(text: &str, line: usize, needle: &str) {
    let e = errors(text);
    assert!(
        e.iter().any(|(l, m)| *l == line && m.contains(needle)),
        "want line {line} with {needle:?}, got {e:?}"
    );
}

#[test]
fn a_good_description_reads_back() {
    let s = System::parse(PINGPONG).unwrap();
    assert_eq!(s.name, "pingpong");
    assert_eq!(s.components.len(), 2);
    let pong = &s.components[1];
    assert_eq!(pong.source, Source::Package("system-pingpong-pong".into()));
    assert_eq!(pong.heap, 256 << 10);
    assert_eq!(pong.stack, DEFAULT_STACK);
    assert!(pong.restart);
    assert!(!pong.timer);
    assert_eq!(pong.line, 10);
    let timed = System::parse(&PINGPONG.replace("priority = 90", "priority = 90\ntimer = true"));
    assert!(timed.unwrap().components[0].timer);
    one_error(
        &PINGPONG.replace("priority = 90", "priority = 90\ntimer = 1"),
        9,
        "expected a boolean",
    );
    assert!(s.wait_for.is_empty());
    assert_eq!(pong.maps.len(), 1);
    assert_eq!(pong.maps[0].flags, abi::REGION_READ | abi::REGION_WRITE);
    assert_eq!(s.components[0].priority, 90);
    assert_eq!(
        s.channels,
        vec![Channel {
            from: End {
                component: 0,
                id: 0
            },
            to: End {
                component: 1,
                id: 3
            },
            protected: true
        }]
    );
}

#[test]
fn syntax_and_unknown_keys_are_reported_with_their_line() {
    one_error(
        "[[component]]\nname = \"a\"\npackage = \"x\"\nprioritee = 3\n",
        4,
        "unknown field `prioritee`",
    );
    one_error("[[component]]\nname = \"a\"\npackage = \n", 3, "");
}

#[test]
fn unknown_components_are_reported() {
    let text = PINGPONG.replace("to = { component = \"pong\"", "to = { component = \"pang\"");
    one_error(&text, 26, "unknown component `pang`");
}

#[test]
fn a_channel_to_itself_is_refused() {
    let text = PINGPONG.replace("to = { component = \"pong\"", "to = { component = \"ping\"");
    one_error(&text, 24, "a channel from `ping` to itself");
}

#[test]
fn channel_ids_are_unique_and_in_range() {
    let twice = format!("{PINGPONG}\n[[channel]]\nfrom = {{ component = \"ping\", id = 0 }}\nto = {{ component = \"pong\", id = 4 }}\n");
    one_error(&twice, 30, "already has channel id 0 (line 25)");
    let big = PINGPONG.replace("id = 3", "id = 24");
    one_error(&big, 26, "channel id 24 is out of range");
}

#[test]
fn overlapping_mappings_and_a_region_mapped_twice_are_refused() {
    let twice =
        format!("{PINGPONG}\n[[component.map]]\nmemory = \"buffer\"\nvaddr = 0x1_0000_0000\n");
    // The second map belongs to the last [[component]] (pong).
    one_error(&twice, 29, "maps `buffer` twice at 0x100000000 (line 20)");
    let overlap =
        format!("{PINGPONG}\n[[component.map]]\nmemory = \"buffer\"\nvaddr = 0x1_0000_8000\n");
    one_error(
        &overlap,
        29,
        "overlaps `buffer` at 0x100000000..0x100010000",
    );
}

#[test]
fn mappings_must_be_aligned_and_in_the_window() {
    one_error(
        &PINGPONG.replace("0x1_0000_0000", "0x1_0000_0010"),
        22,
        "not page-aligned",
    );
    one_error(
        &PINGPONG.replace("0x1_0000_0000", "0x1000"),
        22,
        "outside the mapping window",
    );
    one_error(
        &PINGPONG.replace(
            "vaddr = 0x1_0000_0000",
            "vaddr = 0x1_0000_0000\nperms = \"wx\"",
        ),
        23,
        "perms `wx`",
    );
    one_error(
        &PINGPONG.replace("memory = \"buffer\"\nvaddr", "memory = \"bufer\"\nvaddr"),
        21,
        "unknown memory region `bufer`",
    );
}

#[test]
fn too_little_memory_is_reported() {
    let text = PINGPONG
        .replace(
            "name = \"pingpong\"",
            "name = \"pingpong\"\nmemory = \"64 MiB\"",
        )
        .replace("heap = \"256 KiB\"", "heap = \"40 MiB\"");
    one_error(&text, 4, "too little memory");
    one_error(
        &PINGPONG.replace("heap = \"256 KiB\"", "heap = 4096"),
        13,
        "heap of 4096 bytes is too little",
    );
    one_error(
        &PINGPONG.replace("heap = \"256 KiB\"", "heap = \"3 KiB\""),
        13,
        "not a multiple of 4 KiB",
    );
}

#[test]
fn names_and_sources_are_checked() {
    one_error(
        &PINGPONG.replace("name = \"pong\"", "name = \"ping\""),
        11,
        "a second component named `ping`",
    );
    one_error(
        &PINGPONG.replace(
            "package = \"system-pingpong-pong\"",
            "package = \"p\"\nelf = \"x.elf\"",
        ),
        10,
        "names several images (package, elf)",
    );
    one_error(
        &PINGPONG.replace("package = \"system-pingpong-pong\"", ""),
        10,
        "says nothing to build it from",
    );
    one_error("[system]\nname = \"empty\"\n", 1, "no components");
}

#[test]
fn supervisors_must_exist_and_not_loop() {
    one_error(
        &PINGPONG.replace("restart = true", "restart = true\nsupervisor = \"nobody\""),
        15,
        "unknown component `nobody`",
    );
    one_error(
        &PINGPONG.replace("restart = true", "supervisor = \"pong\""),
        14,
        "cannot supervise itself",
    );
    let cycle = PINGPONG
        .replace("priority = 90", "priority = 90\nsupervisor = \"pong\"")
        .replace("restart = true", "supervisor = \"ping\"");
    let e = errors(&cycle);
    assert!(
        e.iter()
            .any(|(_, m)| m.contains("among its own supervisors")),
        "{e:?}"
    );
}

#[test]
fn sizes_parse() {
    assert_eq!(parse_size("64 KiB"), Ok(64 << 10));
    assert_eq!(parse_size("2MiB"), Ok(2 << 20));
    assert_eq!(parse_size("4096"), Ok(4096));
    assert!(parse_size("2 PiB").is_err());
    assert!(parse_size("lots").is_err());
}

#[test]
fn images_must_end_below_the_window() {
    let s = System::parse(PINGPONG).unwrap();
    assert!(s.check_image(0, 0x40_0000..0x50_0000, 0x2_0000).is_ok());
    let e = s
        .check_image(0, 0x40_0000..0xffff_0000, 0x2_0000)
        .unwrap_err();
    assert_eq!(e.line, 5);
    assert!(e.message.contains("inside the mapping window"), "{e}");
}

#[test]
fn wait_for_names_known_components_once() {
    let good = PINGPONG.replace(
        "name = \"pingpong\"",
        "name = \"pingpong\"\nwait_for = [\"pong\"]",
    );
    assert_eq!(System::parse(&good).unwrap().wait_for, vec![1]);
    let text = PINGPONG.replace(
        "name = \"pingpong\"",
        "name = \"pingpong\"\nwait_for = [\"ping\", \"pang\", \"ping\"]",
    );
    let e = errors(&text);
    assert!(
        e.contains(&(4, "unknown component `pang` in wait_for".into())),
        "{e:?}"
    );
    assert!(
        e.contains(&(4, "`ping` is in wait_for twice".into())),
        "{e:?}"
    );
}

#[test]
fn c_components_name_their_sources() {
    let c = PINGPONG.replace(
        "package = \"system-pingpong-pong\"",
        "c = { sources = [\"pong.c\", \"util.c\"], cflags = [\"-O2\"] }",
    );
    let s = System::parse(&c).unwrap();
    assert_eq!(
        s.components[1].source,
        Source::C {
            sources: vec!["pong.c".into(), "util.c".into()],
            cflags: vec!["-O2".into()]
        }
    );
    let empty = PINGPONG.replace("package = \"system-pingpong-pong\"", "c = { cflags = [] }");
    one_error(&empty, 10, "`c.sources` names no files");
    let odd = PINGPONG.replace(
        "package = \"system-pingpong-pong\"",
        "c = { sources = [\"a.c\"], flags = 1 }",
    );
    one_error(&odd, 10, "unknown key `c.flags`");
    let ocaml = PINGPONG.replace(
        "package = \"system-pingpong-pong\"",
        "ocaml = { sources = [\"x.ml\"], packages = [\"mirage-sel4\"] }",
    );
    assert_eq!(
        System::parse(&ocaml).unwrap().components[1].source,
        Source::OCaml {
            sources: vec!["x.ml".into()],
            packages: vec!["mirage-sel4".into()]
        }
    );
    let dafny = PINGPONG.replace(
        "package = \"system-pingpong-pong\"",
        "dafny = { sources = [\"x.dfy\", \"y.dfy\"], flags = [\"/timeLimit:60\"] }",
    );
    assert_eq!(
        System::parse(&dafny).unwrap().components[1].source,
        Source::Dafny {
            sources: vec!["x.dfy".into(), "y.dfy".into()],
            flags: vec!["/timeLimit:60".into()]
        }
    );
    let dafny = PINGPONG.replace(
        "package = \"system-pingpong-pong\"",
        "dafny = { main = \"x.dfy\" }",
    );
    one_error(&dafny, 10, "unknown key `dafny.main` (sources, flags)");
    let dafny = PINGPONG.replace(
        "package = \"system-pingpong-pong\"",
        "dafny = { sources = [] }",
    );
    one_error(&dafny, 10, "`dafny.sources` names no files");
}

#[test]
fn device_and_dma_memory() {
    let device = PINGPONG.replace("size = \"64 KiB\"", "size = \"64 KiB\"\nphys = 0xfed0_0000");
    let s = System::parse(&device).unwrap();
    assert_eq!(s.regions[0].phys, Some(0xfed0_0000));
    assert!(!s.regions[0].dma);
    let flags = s.components[1].maps[0].flags;
    assert!(flags & abi::REGION_DEVICE != 0 && flags & abi::REGION_UNCACHED != 0);
    // Device memory is not RAM.
    assert_eq!(
        System::parse(PINGPONG).unwrap().ram_asked() - s.ram_asked(),
        64 << 10
    );

    let dma = PINGPONG.replace("size = \"64 KiB\"", "size = \"64 KiB\"\ndma = true");
    let s = System::parse(&dma).unwrap();
    assert!(s.regions[0].dma && s.regions[0].phys.is_none());
    let flags = s.components[1].maps[0].flags;
    assert!(flags & abi::REGION_DMA != 0 && flags & abi::REGION_DEVICE == 0);

    let both = PINGPONG.replace(
        "size = \"64 KiB\"",
        "size = \"64 KiB\"\nphys = 0xfed0_0000\ndma = true",
    );
    one_error(
        &both,
        17,
        "device memory (phys) or DMA memory (dma), not both",
    );
    one_error(
        &PINGPONG.replace("size = \"64 KiB\"", "size = \"64 KiB\"\nphys = 0xfed0_0010"),
        19,
        "not page-aligned",
    );
}
