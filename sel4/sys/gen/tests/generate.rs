//! Runs the generator over the 16.x test data (both configurations) and, when
//! `SEL4_PREFIX` is set, over that install prefix (checked against libsel4's own
//! generated C headers).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sel4_sys_gen::invocations::{Kind, Method, OutputPiece};
use sel4_sys_gen::{generate, generate_from_include_dir, Generated, Options};

const NO_HEADERS: Options = Options {
    with_headers: false,
};

fn data(name: &str) -> PathBuf {
    let base = std::env::var_os("SEL4_INTERFACES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/sel4-interfaces")
        });
    base.join(name)
}

/// The generator's output for the 16.x test data. A test that needs it
/// fails when the data is missing: a test that cannot run must not pass.
fn gen16(mcs: bool) -> Generated {
    let dir = data(if mcs {
        "16.0.0-dev-x86_64-mcs"
    } else {
        "16.0.0-dev-x86_64"
    });
    assert!(
        dir.is_dir(),
        "{} not found: the 16.x interface files are this test's input \
         (they live in ../shared/sel4-interfaces beside the checkout; \
         SEL4_INTERFACES_DIR names another place)",
        dir.display()
    );
    generate_from_include_dir(&dir, &NO_HEADERS).expect("generation succeeds")
}

/// The kernel install prefix to check (`SEL4_PREFIX`, which `make
/// host-test` sets). A test that needs it fails without it.
fn prefix() -> PathBuf {
    match std::env::var_os("SEL4_PREFIX") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => panic!(
            "SEL4_PREFIX is not set: this test checks the generator against a kernel \
             install (make host-test sets it to the embedded kernel's)"
        ),
    }
}

fn syscall_numbers(g: &Generated) -> BTreeMap<String, isize> {
    g.syscalls
        .iter()
        .filter(|s| s.enabled)
        .map(|s| (s.name.clone(), s.number))
        .collect()
}

fn labels(g: &Generated) -> BTreeMap<String, u64> {
    g.interfaces.labels().0.into_iter().collect()
}

#[test]
fn syscalls_16_non_mcs() {
    let g = gen16(false);
    let s = syscall_numbers(&g);
    // <api-master> in file order, then <debug> counted over every listed syscall.
    let expect = [
        ("Call", -1),
        ("ReplyRecv", -2),
        ("Send", -3),
        ("NBSend", -4),
        ("Recv", -5),
        ("Reply", -6),
        ("Yield", -7),
        ("NBRecv", -8),
        ("DebugPutChar", -9),
        ("DebugDumpScheduler", -10),
        ("DebugHalt", -11),
        ("DebugCapIdentify", -12),
        ("DebugSnapshot", -13),
        ("DebugNameThread", -14),
        // SMP (2), DebugRun, benchmarks (5 + 2 + 2), MSR (2), VMEnter are disabled but numbered.
        ("SetTLSBase", -30),
    ];
    for (n, v) in expect {
        assert_eq!(s.get(n), Some(&v), "seL4_Sys{n}");
    }
    assert_eq!(s.len(), expect.len(), "{s:?}");
    assert!(!s.contains_key("Wait") && !s.contains_key("VMEnter"));
    let text = g.file("syscalls.rs").unwrap();
    assert!(text.contains("pub const seL4_SysCall: isize = -1;"));
    assert!(text.contains("pub const seL4_SysYield: isize = -7;"));
}

#[test]
fn syscalls_16_mcs() {
    let g = gen16(true);
    let s = syscall_numbers(&g);
    let expect = [
        ("Call", -1),
        ("ReplyRecv", -2),
        ("NBSendRecv", -3),
        ("NBSendWait", -4),
        ("Send", -5),
        ("NBSend", -6),
        ("Recv", -7),
        ("NBRecv", -8),
        ("Wait", -9),
        ("NBWait", -10),
        ("Yield", -11),
        ("DebugPutChar", -12),
        ("DebugDumpScheduler", -13),
        ("DebugHalt", -14),
        ("DebugCapIdentify", -15),
        ("DebugSnapshot", -16),
        ("DebugNameThread", -17),
        ("SetTLSBase", -33),
    ];
    for (n, v) in expect {
        assert_eq!(s.get(n), Some(&v), "seL4_Sys{n}");
    }
    assert_eq!(s.len(), expect.len(), "{s:?}");
    assert!(!s.contains_key("Reply"));
}

#[test]
fn labels_16_non_mcs() {
    let g = gen16(false);
    let l = labels(&g);
    // Worked out by hand from object-api.xml: the non-MCS TCBConfigure/SetSchedParams/SetSpace,
    // no SetTimeoutEndpoint, no SetAffinity (no SMP), no breakpoints (no HARDWARE_DEBUG_API).
    for (n, v) in [
        ("InvalidInvocation", 0),
        ("UntypedRetype", 1),
        ("TCBReadRegisters", 2),
        ("TCBConfigure", 5),
        ("TCBSetSchedParams", 8),
        ("TCBSetIPCBuffer", 9),
        ("TCBSetSpace", 10),
        ("TCBUnbindNotification", 14),
        ("TCBSetTLSBase", 15),
        ("CNodeRevoke", 17),
        ("CNodeCopy", 20),
        ("CNodeSaveCaller", 25),
        ("DomainScheduleSetStart", 32),
        ("X86PDPTMap", 33),
        ("X86PDPTUnmap", 34),
        ("X86PageDirectoryMap", 35),
        ("X86PageTableMap", 37),
        // IOMMU is on in this configuration: the I/O page table methods take 39 and 40.
        ("X86IOPageTableMap", 39),
        ("X86PageMap", 41),
        ("X86PageGetAddress", 44),
        ("X86IOPortControlIssue", 47),
        ("X86IOPortOut8", 51),
        ("X86IRQIssueIRQHandlerMSI", 55),
    ] {
        assert_eq!(l.get(n), Some(&v), "{n}");
    }
    let (_, ends) = g.interfaces.labels();
    assert_eq!(ends, [33, 35, 56]);
    let enabled = g.interfaces.methods.iter().filter(|m| m.enabled).count();
    assert_eq!(l.len(), enabled + 1);
    assert_eq!(l.len() as u64, ends[2]);
    // Disabled methods are absent.
    for n in [
        "TCBSetTimeoutEndpoint",
        "SchedContextBind",
        "X86PageMapEPT",
        "TCBSetAffinity",
    ] {
        assert!(!l.contains_key(n), "{n}");
    }
    let text = g.file("invocation_labels.rs").unwrap();
    assert!(text.contains("pub const UntypedRetype: seL4_Word = 1;"));
    assert!(text.contains("pub const nInvocationLabels: seL4_Word = 33;"));
}

#[test]
fn labels_16_mcs() {
    let g = gen16(true);
    let l = labels(&g);
    for (n, v) in [
        ("UntypedRetype", 1),
        ("TCBConfigure", 5),
        ("TCBSetSchedParams", 8),
        ("TCBSetTimeoutEndpoint", 9),
        ("TCBSetIPCBuffer", 10),
        ("TCBSetSpace", 11),
        ("CNodeRevoke", 18),
        ("CNodeRotate", 25),
        ("IRQIssueIRQHandler", 26),
        ("SchedControlConfigureFlags", 33),
        ("SchedContextYieldTo", 38),
        ("X86PDPTMap", 39),
    ] {
        assert_eq!(l.get(n), Some(&v), "{n}");
    }
    assert!(!l.contains_key("CNodeSaveCaller"));
    let (_, ends) = g.interfaces.labels();
    assert_eq!(ends[0], 39);
    assert_eq!(l.len() as u64, ends[2]);
}

/// Renders a method's marshalling the way libsel4's syscall_stub_gen.py writes it in C.
fn c_marshalling(g: &Generated, fn_name: &str) -> (usize, usize, Vec<String>, Vec<String>) {
    let m = g
        .interfaces
        .methods
        .iter()
        .find(|m| m.enabled && m.fn_name() == fn_name)
        .expect(fn_name);
    let layout = g.interfaces.input_layout(m).unwrap();
    let words = layout
        .words
        .iter()
        .map(|pieces| {
            pieces
                .iter()
                .map(|p| {
                    let kind = g
                        .interfaces
                        .kind(&m.inputs.iter().find(|i| i.name == p.param).unwrap().ty)
                        .unwrap();
                    let base = match (&kind, &p.member) {
                        (_, Some(mem)) => format!("{}->{}", p.param, mem),
                        (sel4_sys_gen::invocations::Kind::Bitfield(_), None) => {
                            format!("{}.words[0]", p.param)
                        }
                        _ => p.param.clone(),
                    };
                    if p.bits < 64 {
                        let e = format!("({} & {:#x}ull)", base, (1u64 << p.bits) - 1);
                        if p.offset > 0 {
                            format!("({} << {})", e, p.offset)
                        } else {
                            e
                        }
                    } else {
                        base
                    }
                })
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect::<Vec<_>>();
    (
        layout.caps.len(),
        layout.words.len(),
        layout.caps.clone(),
        words,
    )
}

#[test]
fn marshalling_16_by_hand() {
    let g = gen16(false);
    // CNode_Copy: dest_index, dest_depth (u8), src_index, src_depth (u8), rights; cap src_root.
    let (ncaps, len, caps, words) = c_marshalling(&g, "seL4_CNode_Copy");
    assert_eq!((ncaps, len), (1, 5));
    assert_eq!(caps, ["src_root"]);
    assert_eq!(
        words,
        [
            "dest_index",
            "(dest_depth & 0xffull)",
            "src_index",
            "(src_depth & 0xffull)",
            "rights.words[0]"
        ]
    );
    // Untyped_Retype: type, size_bits, node_index, node_depth, node_offset, num_objects; cap root.
    let (ncaps, len, caps, _) = c_marshalling(&g, "seL4_Untyped_Retype");
    assert_eq!((ncaps, len, caps), (1, 6, vec!["root".to_string()]));
    // IOPort_Out8: in 16.x both port and data are words.
    let (_, len, _, words) = c_marshalling(&g, "seL4_X86_IOPort_Out8");
    assert_eq!(
        (len, words),
        (2, vec!["port".to_string(), "data".to_string()])
    );
    // IRQControl_GetIOAPIC: cap root; index, depth (u8), ioapic, pin, level, polarity, vector:
    // seven words, the last three in the IPC buffer.
    let (ncaps, len, caps, words) = c_marshalling(&g, "seL4_IRQControl_GetIOAPIC");
    assert_eq!((ncaps, len, caps), (1, 7, vec!["root".to_string()]));
    assert_eq!(words[1], "(depth & 0xffull)");
    assert_eq!(words[6], "vector");
    let stubs = g.file("invocations.rs").unwrap();
    assert!(
        stubs.contains("(*__ipc).msg[6] = vector as seL4_Word;"),
        "vector goes to MR6 in the IPC buffer"
    );
    // TCB_WriteRegisters: resume_target (bool, bit 0), arch_flags (u8, bits 8..16), count, regs (20 words).
    let (_, len, _, words) = c_marshalling(&g, "seL4_TCB_WriteRegisters");
    assert_eq!(
        words[0],
        "(resume_target & 0x1ull) | ((arch_flags & 0xffull) << 8)"
    );
    assert_eq!(words[1], "count");
    assert_eq!(words[2], "regs->rip");
    assert_eq!(len, 2 + g.interfaces.structs["seL4_UserContext"].len());
    // X86_Page_Map: vspace is a capability.
    let (ncaps, len, caps, _) = c_marshalling(&g, "seL4_X86_Page_Map");
    assert_eq!((ncaps, len, caps), (1, 3, vec!["vspace".to_string()]));
    assert!(stubs.contains("pub struct seL4_X86_Page_GetAddress_t"));
    assert!(stubs.contains("pub unsafe fn seL4_Untyped_Retype("));
    assert!(stubs.contains("type_: seL4_Word"));
    assert!(stubs.contains("pub type seL4_Untyped = seL4_CPtr;"));
    assert!(stubs.contains("pub unsafe fn seL4_TCB_ReadRegisters("));
    assert!(stubs.contains("regs: *mut seL4_UserContext"));
}

/// Compiles the generated files (and sel4-sys's hand-written syscall layer) with a
/// prelude standing in for the bindgen-only types.
fn compile_check(g: &Generated, name: &str, mcs: bool) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("compile-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    g.write_to(&dir).unwrap();
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../src");
    let structs: String = g
        .interfaces
        .structs
        .iter()
        .map(|(n, ms)| {
            let fields: String = ms.iter().map(|m| format!("pub {m}: seL4_Word, ")).collect();
            format!(
                "#[repr(C)] #[derive(Debug, Default, Clone, Copy)] pub struct {n} {{ {fields} }}\n"
            )
        })
        .collect();
    let lib = format!(
        r#"#![no_std]
#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals, dead_code)]
pub type seL4_Word = u64;
pub type seL4_CPtr = seL4_Word;
pub type seL4_Uint8 = u8;
pub type seL4_Uint16 = u16;
pub type seL4_Uint32 = u32;
pub type seL4_Uint64 = u64;
pub type seL4_Time = u64;
pub type seL4_Bool = i8;
pub type seL4_Error = u32;
pub const seL4_NoError: seL4_Error = 0;
pub type seL4_X86_VMAttributes = u64;
pub type seL4_X86_EPT_VMAttributes = u64;
#[repr(C)] pub struct seL4_IPCBuffer {{ pub tag: seL4_MessageInfo, pub msg: [seL4_Word; 120], pub userData: seL4_Word,
  pub caps_or_badges: [seL4_Word; 3], pub receiveCNode: seL4_CPtr, pub receiveIndex: seL4_CPtr, pub receiveDepth: seL4_Word }}
{structs}
#[allow(dead_code)] mod bitfields {{ include!("bitfield.rs"); }}
pub use bitfields::*;
pub mod config {{ include!("config.rs"); }}
mod syscall_numbers {{ include!("syscalls.rs"); }}
pub use syscall_numbers::*;
pub mod invocation_label {{ include!("invocation_labels.rs"); }}
#[allow(unused_imports, unused_mut)] mod invocations {{ use super::*; include!("invocations.rs"); }}
pub use invocations::*;
#[path = "{src}/arch/mod.rs"] mod arch;
pub use arch::*;
#[path = "{src}/ipc_buffer.rs"] mod ipc_buffer;
pub use ipc_buffer::*;
#[path = "{src}/syscalls.rs"] mod syscalls;
pub use syscalls::*;
"#,
        src = src.display()
    );
    std::fs::write(dir.join("lib.rs"), lib).unwrap();
    let mut cmd = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()));
    cmd.current_dir(&dir)
        .args([
            "--edition",
            "2021",
            "--crate-type",
            "lib",
            "--emit",
            "metadata",
            "--crate-name",
            "gencheck",
        ])
        .args([
            "-D",
            "warnings",
            "--check-cfg",
            "cfg(sel4_mcs)",
            "--check-cfg",
            "cfg(sel4_syscall, values(any()))",
        ])
        .arg("-o")
        .arg(dir.join("out.rmeta"))
        .arg("lib.rs");
    if mcs {
        cmd.args(["--cfg", "sel4_mcs"]);
    }
    for s in g.syscalls.iter().filter(|s| s.enabled) {
        cmd.arg("--cfg").arg(format!("sel4_syscall=\"{}\"", s.name));
    }
    let out = cmd.output().expect("rustc runs");
    assert!(
        out.status.success(),
        "{name} does not compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn compiles_16_non_mcs() {
    let g = gen16(false);
    assert!(!g.config.mcs());
    compile_check(&g, "16-non-mcs", false);
}

#[test]
fn compiles_16_mcs() {
    let g = gen16(true);
    assert!(g.config.mcs());
    compile_check(&g, "16-mcs", true);
}

#[test]
fn missing_files_are_named() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("empty-prefix");
    std::fs::create_dir_all(dir.join("libsel4/include")).unwrap();
    let e = generate(&dir, &NO_HEADERS).unwrap_err().to_string();
    assert!(e.contains("kernel/gen_config.json"), "{e}");
    let e = generate(Path::new("/nonexistent/prefix"), &NO_HEADERS)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no such directory"), "{e}");
}

/// Checks the generated numbers and marshalling against the C headers libsel4's own
/// generators produced in the install prefix (syscall.h, invocation headers,
/// sel4_client.h), by compiling a C program that prints the C values.
#[test]
fn install_prefix_matches_libsel4() {
    let p = prefix();
    let g = generate(&p, &Options { with_headers: true }).expect("generation succeeds");
    let include = p.join("libsel4/include");
    assert!(!g.file("bindings.rs").unwrap().is_empty());

    // Numbers, as the C compiler sees them.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("prefix-check");
    std::fs::create_dir_all(&dir).unwrap();
    let mut c = String::from("#include <stdio.h>\n#include <sel4/sel4.h>\nint main(void) {\n");
    for s in g.syscalls.iter().filter(|s| s.enabled) {
        c += &format!(
            "printf(\"seL4_Sys{0} %ld\\n\", (long)seL4_Sys{0});\n",
            s.name
        );
    }
    let (labels, _) = g.interfaces.labels();
    for (l, _) in &labels {
        c += &format!("printf(\"{l} %ld\\n\", (long){l});\n");
    }
    c += "printf(\"nArchInvocationLabels %ld\\n\", (long)nArchInvocationLabels);\nreturn 0; }\n";
    std::fs::write(dir.join("check.c"), c).unwrap();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = Command::new(&cc)
        .current_dir(&dir)
        .args(["-w", "-o", "check", "check.c"])
        .arg(format!("-I{}", include.display()))
        .output();
    let out = out.unwrap_or_else(|e| {
        panic!("no C compiler ({cc}: {e}): the comparison with libsel4's C headers needs one")
    });
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = Command::new(dir.join("check")).output().unwrap();
    let c_values: BTreeMap<String, i64> = String::from_utf8_lossy(&run.stdout)
        .lines()
        .filter_map(|l| {
            l.split_once(' ')
                .map(|(a, b)| (a.to_string(), b.parse().unwrap()))
        })
        .collect();
    for s in g.syscalls.iter().filter(|s| s.enabled) {
        assert_eq!(
            c_values[&format!("seL4_Sys{}", s.name)],
            s.number as i64,
            "seL4_Sys{}",
            s.name
        );
    }
    for (l, n) in &labels {
        assert_eq!(c_values[l], *n as i64, "{l}");
    }
    assert_eq!(
        c_values["nArchInvocationLabels"],
        g.interfaces.labels().1[2] as i64
    );

    // Marshalling, against sel4_client.h.
    let client = std::fs::read_to_string(include.join("interfaces/sel4_client.h")).unwrap();
    let checked = compare_with_client_h(&g, &client);
    assert!(checked > 30, "only {checked} stubs compared");
}

/// The C statement libsel4's `syscall_stub_gen.py` writes to unmarshal one output
/// piece (`generate_unmarshal_expressions`): `result.x = ...;` for scalars,
/// `param->member = ...;` for structures passed by pointer.
fn c_unmarshal_line(g: &Generated, m: &Method, pc: &OutputPiece) -> String {
    let src = if pc.word < g.interfaces.fast_mrs {
        format!("mr{}", pc.word)
    } else {
        format!("seL4_GetMR({})", pc.word)
    };
    let expr = if pc.bits >= g.interfaces.word_bits {
        src
    } else if pc.offset == 0 {
        format!("({src} & {:#x})", (1u64 << pc.bits) - 1)
    } else {
        format!("(({src} >> {}) & {:#x})", pc.offset, (1u64 << pc.bits) - 1)
    };
    match &pc.member {
        Some(mem) => format!("{}->{mem} = {expr};", pc.param),
        None => {
            let ty = &m.outputs.iter().find(|p| p.name == pc.param).unwrap().ty;
            match g.interfaces.kind(ty).unwrap() {
                Kind::Bitfield(_) => format!("result.{}.words[0] = {expr};", pc.param),
                _ => format!("result.{} = {expr};", pc.param),
            }
        }
    }
}

/// Compares every enabled method's marshalling (message tag, capabilities, input
/// words in registers or the IPC buffer) and unmarshalling (each output's
/// register, bit offset and width) with the C stub of the same name in
/// libsel4's generated `sel4_client.h`; returns how many stubs were compared.
fn compare_with_client_h(g: &Generated, client: &str) -> usize {
    let fast = g.interfaces.fast_mrs;
    let mut checked = 0;
    for m in g.interfaces.methods.iter().filter(|m| m.enabled) {
        let name = m.fn_name();
        let Some(start) = client.find(&format!("\n{name}(")) else {
            continue;
        };
        let body = &client[start..];
        let body = &body[..body.find("\n}\n").unwrap()];
        let (ncaps, len, caps, words) = c_marshalling(g, &name);
        assert!(
            body.contains(&format!(
                "seL4_MessageInfo_new({}, 0, {ncaps}, {len})",
                m.label
            )),
            "{name}: tag"
        );
        for (i, cap) in caps.iter().enumerate() {
            assert!(
                body.contains(&format!("seL4_SetCap({i}, {cap});")),
                "{name}: cap {i}"
            );
        }
        for (i, w) in words.iter().enumerate() {
            let line = if i < fast {
                format!("mr{i} = {w};")
            } else {
                format!("seL4_SetMR({i}, {w});")
            };
            assert!(
                body.contains(&line),
                "{name}: word {i}: expected `{line}` in\n{body}"
            );
        }
        // Outputs: exactly the C stub's unmarshalling statements, in order.
        let c_out: Vec<&str> = match body.find("/* Unmarshal result. */") {
            Some(i) => body[i..]
                .lines()
                .skip(1)
                .map(str::trim)
                .filter(|l| l.contains(" = "))
                .collect(),
            None => Vec::new(),
        };
        let rust_out: Vec<String> = g
            .interfaces
            .output_layout(m)
            .unwrap()
            .iter()
            .map(|pc| c_unmarshal_line(g, m, pc))
            .collect();
        assert_eq!(rust_out, c_out, "{name}: outputs");
        checked += 1;
    }
    checked
}

/// The install prefix's C stubs include the methods its configuration leaves
/// out (under `#if`): turning those options on in a copy of the prefix checks
/// their marshalling too, outputs included (`seL4_TCB_GetBreakpoint` reads a
/// bool from MR4, `seL4_X86_VCPU_ReadVMCS` a word, ...).
#[test]
fn install_prefix_all_methods_match_libsel4() {
    let p = prefix();
    let src = p.join("libsel4/include");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("prefix-all-methods");
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&src, &dir);
    let cfg_path = dir.join("kernel/gen_config.json");
    let mut cfg = std::fs::read_to_string(&cfg_path).unwrap();
    for (from, to) in [
        ("\"VTX\": false", "\"VTX\": true"),
        (
            "\"HARDWARE_DEBUG_API\": false",
            "\"HARDWARE_DEBUG_API\": true",
        ),
        ("\"MAX_NUM_NODES\": \"1\"", "\"MAX_NUM_NODES\": \"2\""),
    ] {
        if cfg.contains(from) {
            cfg = cfg.replace(from, to);
        } else {
            eprintln!("note: {from} not in {}", cfg_path.display());
        }
    }
    std::fs::write(&cfg_path, cfg).unwrap();
    let g = generate_from_include_dir(&dir, &NO_HEADERS).expect("generation succeeds");
    let client = std::fs::read_to_string(dir.join("interfaces/sel4_client.h")).unwrap();
    let checked = compare_with_client_h(&g, &client);
    let with_outputs = g
        .interfaces
        .methods
        .iter()
        .filter(|m| {
            m.enabled && !m.outputs.is_empty() && client.contains(&format!("\n{}(", m.fn_name()))
        })
        .count();
    assert!(checked > 40, "only {checked} stubs compared");
    assert!(
        with_outputs >= 6,
        "only {with_outputs} stubs with outputs compared"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).unwrap();
        }
    }
}

/// A prefix whose headers define `seL4_FastMessageRegisters` (current kernels
/// do; 5.0 does not) is checked against the generator's register count, and a
/// disagreement is an error naming the constant.
#[test]
fn fast_message_registers_checked_against_headers() {
    let p = prefix();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("prefix-fast-mrs");
    for (n, ok) in [(4, true), (2, false)] {
        let _ = std::fs::remove_dir_all(&dir);
        copy_dir(&p.join("libsel4/include"), &dir);
        let constants = dir.join("sel4/sel4_arch/constants.h");
        let mut text = std::fs::read_to_string(&constants).unwrap();
        if !text.contains("seL4_FastMessageRegisters") {
            text += &format!("\n#define seL4_FastMessageRegisters {n}\n");
        } else {
            let re = text
                .lines()
                .map(|l| {
                    if l.contains("#define seL4_FastMessageRegisters") {
                        format!("#define seL4_FastMessageRegisters {n}")
                    } else {
                        l.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            text = re;
        }
        std::fs::write(&constants, text).unwrap();
        let r = generate_from_include_dir(&dir, &Options { with_headers: true });
        if ok {
            let g = r.expect("generation succeeds");
            assert_eq!(
                sel4_sys_gen::header_fast_message_registers(g.file("bindings.rs").unwrap()),
                Some(4)
            );
        } else {
            let Err(e) = r else {
                panic!("a mismatch is an error")
            };
            let e = e.to_string();
            assert!(e.contains("seL4_FastMessageRegisters = 2"), "{e}");
        }
    }
}
