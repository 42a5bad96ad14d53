//! A system description (`system.toml`), read and checked.
//!
//! [`System::parse`] reads the TOML text and returns the checked system,
//! or every error found, each with the line it is on and the reason
//! ([`Error`]). Nothing about a system is decided later that could be
//! wrong here: names resolve, channel ids are in range and unique per
//! component, mappings are page-aligned, inside the mapping window and do
//! not overlap, and the memory asked for fits the machine's.
//!
//! The format is documented in the repository's README ("Systems").
//! What depends on built images (an image that reaches into the mapping
//! window) is checked by [`System::check_image`] once they are built.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use sel4_system_abi as abi;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// 4 KiB: the granule of every size and address.
pub const PAGE: u64 = 4096;

/// The memory the runner gives QEMU unless `[system] memory` says otherwise
/// (`tools/runner/sel4-run --memory`).
pub const DEFAULT_MEMORY: u64 = 512 << 20;

/// Memory kept back from the machine's for the kernel, the initializer and
/// the kernel objects of the system, when checking that a system fits.
pub const RESERVED_MEMORY: u64 = 32 << 20;

/// Default stack of a component (64 KiB).
pub const DEFAULT_STACK: u64 = 64 << 10;
/// Default heap of a component (1 MiB).
pub const DEFAULT_HEAP: u64 = 1 << 20;
/// Default priority (below the initializer's, which is the highest).
pub const DEFAULT_PRIORITY: u8 = 100;
/// Default MCS budget and period: 10 ms of every 10 ms.
pub const DEFAULT_BUDGET_US: u64 = 10_000;

/// An error in a description: the line (1-based; 0 if the whole file) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Where a component's image comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    /// A Cargo package of the workspace, built as a system component.
    Package(String),
    /// A prebuilt ELF file (relative to the description's directory).
    Elf(PathBuf),
    /// A C program built with `sel4-cc --component`: its sources
    /// (relative to the description's directory) and extra compiler flags.
    C {
        /// The C files.
        sources: Vec<PathBuf>,
        /// Flags for `sel4-cc` (e.g. `-O2`, `-DX=1`).
        cflags: Vec<String>,
    },
    /// An OCaml program built with `sel4-ocamlfind --component ocamlopt`:
    /// its sources in link order (`.ml`, and `.c` stubs) and the ocamlfind
    /// packages it uses (`mirage-sel4` for its main loop and channels).
    OCaml {
        /// The source files.
        sources: Vec<PathBuf>,
        /// ocamlfind packages.
        packages: Vec<String>,
    },
    /// A Dafny program verified and built with `sel4-dafny build
    /// --component`: its files (one program, whose `Main` is the
    /// component's init and loop, with module `Channels` for its channels)
    /// and extra flags for Dafny.
    Dafny {
        /// The `.dfy` files.
        sources: Vec<PathBuf>,
        /// Flags for Dafny (e.g. `/timeLimit:60`).
        flags: Vec<String>,
    },
}

/// One mapping of a memory region into a component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Map {
    /// Index into [`System::memory`].
    pub region: usize,
    /// Page-aligned address in the component.
    pub vaddr: u64,
    /// `abi::REGION_*` flags (read, write, execute, uncached, device).
    pub flags: u64,
    /// The line of the mapping.
    pub line: usize,
}

/// An I/O port range granted to a component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IoPortRange {
    /// First port.
    pub first: u16,
    /// Last port (inclusive).
    pub last: u16,
}

/// An interrupt delivered to a component, routed through an IOAPIC pin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Irq {
    /// IOAPIC number.
    pub ioapic: u8,
    /// Pin on that IOAPIC.
    pub pin: u8,
    /// Level-triggered (else edge).
    pub level: bool,
    /// Active low (else high).
    pub active_low: bool,
    /// The channel id whose notification bit the interrupt sets.
    pub channel: u8,
}

/// A component, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    /// Unique name.
    pub name: String,
    /// Where its image comes from.
    pub source: Source,
    /// seL4 priority (below 255, the initializer's).
    pub priority: u8,
    /// Stack size in bytes (page multiple).
    pub stack: u64,
    /// Heap size in bytes (page multiple), mapped at `abi::HEAP_VADDR`.
    pub heap: u64,
    /// MCS budget in microseconds per period.
    pub budget_us: u64,
    /// MCS period in microseconds.
    pub period_us: u64,
    /// Restart from its initial state after a fault or a failed exit.
    pub restart: bool,
    /// May set alarms on the system's timer (`timer = true`); any such
    /// component makes the initializer set the timer up.
    pub timer: bool,
    /// Index of the component that gets this one's faults, if not the initializer.
    pub supervisor: Option<usize>,
    /// Memory regions mapped into it.
    pub maps: Vec<Map>,
    /// I/O port ranges it may use.
    pub ioports: Vec<IoPortRange>,
    /// Interrupts it handles.
    pub irqs: Vec<Irq>,
    /// The line of its `[[component]]` table.
    pub line: usize,
}

/// A memory region: shared RAM, or device memory at a physical address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryRegion {
    /// Unique name.
    pub name: String,
    /// Size in bytes (page multiple).
    pub size: u64,
    /// Physical address of device memory; `None` for RAM.
    pub phys: Option<u64>,
    /// Physically contiguous RAM whose address its components learn, for
    /// a device's DMA (`dma = true`).
    pub dma: bool,
}

/// One end of a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct End {
    /// Index into [`System::components`].
    pub component: usize,
    /// The channel id at this end.
    pub id: u8,
}

/// A channel: a notification each way, and if `protected`, protected calls
/// from `from` to `to` (the callee sees the call with its own id for the
/// channel, which names the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    /// The calling end (if protected).
    pub from: End,
    /// The called end (if protected).
    pub to: End,
    /// Whether `from` may make protected calls to `to`.
    pub protected: bool,
}

/// A checked system description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct System {
    /// The system's name (`[system] name`, default "system").
    pub name: String,
    /// The machine's memory the system must fit in (`[system] memory`).
    pub memory: u64,
    /// Components, in the file's order (which is the start order).
    pub components: Vec<Component>,
    /// Memory regions.
    pub regions: Vec<MemoryRegion>,
    /// Channels.
    pub channels: Vec<Channel>,
    /// The components whose exit ends the system (`[system] wait_for`,
    /// indices into [`System::components`]): once all of them have
    /// exited, the initializer stops the system, successfully if each
    /// exited with status 0. Empty (the default): the system runs until
    /// the machine stops, as a system of servers does.
    pub wait_for: Vec<usize>,
}

// ---- the file as TOML gives it ----

/// A size: bytes, or a string such as `"64 KiB"`, `"2 MiB"`, `"1 GiB"`.
#[derive(Debug, Clone, Copy)]
struct Size(u64);

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = Size;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size: bytes, or a string like \"64 KiB\", \"2 MiB\", \"1 GiB\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Size, E> {
                u64::try_from(v)
                    .map(Size)
                    .map_err(|_| E::custom("a size cannot be negative"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Size, E> {
                parse_size(v).map(Size).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses `"<n> [B|KiB|MiB|GiB]"`.
fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size (e.g. \"64 KiB\")"))?;
    let shift = match unit.trim() {
        "" | "B" => 0,
        "KiB" | "K" => 10,
        "MiB" | "M" => 20,
        "GiB" | "G" => 30,
        u => {
            return Err(format!(
                "unknown unit `{u}` in `{text}` (B, KiB, MiB or GiB)"
            ))
        }
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    system: Option<RawHeader>,
    #[serde(default)]
    component: Vec<Spanned<RawComponent>>,
    #[serde(default)]
    channel: Vec<Spanned<RawChannel>>,
    #[serde(default)]
    memory: Vec<Spanned<RawMemory>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: Option<String>,
    memory: Option<Spanned<Size>>,
    #[serde(default)]
    wait_for: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComponent {
    name: Spanned<String>,
    package: Option<String>,
    elf: Option<String>,
    c: Option<toml::Value>,
    ocaml: Option<toml::Value>,
    dafny: Option<toml::Value>,
    priority: Option<Spanned<i64>>,
    stack: Option<Spanned<Size>>,
    heap: Option<Spanned<Size>>,
    budget_us: Option<Spanned<i64>>,
    period_us: Option<Spanned<i64>>,
    #[serde(default)]
    restart: bool,
    #[serde(default)]
    timer: bool,
    supervisor: Option<Spanned<String>>,
    #[serde(default)]
    map: Vec<Spanned<RawMap>>,
    #[serde(default)]
    ioport: Vec<Spanned<RawIoPort>>,
    #[serde(default)]
    irq: Vec<Spanned<RawIrq>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMap {
    memory: Spanned<String>,
    vaddr: Spanned<i64>,
    #[serde(default = "default_perms")]
    perms: Spanned<String>,
    cached: Option<bool>,
}

fn default_perms() -> Spanned<String> {
    Spanned::new(0..0, "rw".into())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIoPort {
    first: i64,
    last: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIrq {
    #[serde(default)]
    ioapic: i64,
    pin: i64,
    #[serde(default)]
    level: bool,
    #[serde(default)]
    active_low: bool,
    channel: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnd {
    component: Spanned<String>,
    id: Spanned<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChannel {
    from: Spanned<RawEnd>,
    to: Spanned<RawEnd>,
    #[serde(default)]
    protected: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMemory {
    name: Spanned<String>,
    size: Spanned<Size>,
    phys: Option<Spanned<i64>>,
    #[serde(default)]
    dma: bool,
}

/// Byte offsets to 1-based lines.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Self {
        Lines(
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        )
    }

    fn of(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset).max(1)
    }
}

/// Collects errors while checking.
struct Checker {
    lines: Lines,
    errors: Vec<Error>,
}

impl Checker {
    fn at(&mut self, span: Range<usize>, message: impl Into<String>) {
        let line = self.lines.of(span.start);
        self.errors.push(Error {
            line,
            message: message.into(),
        });
    }

    /// An integer field in `range`, else an error naming it.
    fn int<T: TryFrom<i64>>(
        &mut self,
        v: &Spanned<i64>,
        what: &str,
        range: Range<i64>,
        fallback: T,
    ) -> T {
        let n = *v.get_ref();
        if !range.contains(&n) {
            self.at(
                v.span(),
                format!(
                    "{what} {n} is out of range ({}..={})",
                    range.start,
                    range.end - 1
                ),
            );
            return fallback;
        }
        T::try_from(n).unwrap_or(fallback)
    }

    /// A page-multiple size, at least `min` bytes.
    fn size(&mut self, v: &Spanned<Size>, what: &str, min: u64) -> u64 {
        let n = v.get_ref().0;
        if !n.is_multiple_of(PAGE) {
            self.at(
                v.span(),
                format!("{what} of {n} bytes is not a multiple of 4 KiB"),
            );
        } else if n < min {
            self.at(
                v.span(),
                format!("{what} of {n} bytes is too little: at least {min} bytes"),
            );
        }
        n
    }
}

/// A `<what> = { sources = [...], <extra> = [...] }` table (`c` with
/// `cflags`, `ocaml` with `packages`): the sources and the extra strings.
fn table_source(
    value: Option<&toml::Value>,
    what: &str,
    extra: &str,
) -> Result<(Vec<PathBuf>, Vec<String>), String> {
    let shape =
        format!("`{what}` must be a table: {what} = {{ sources = [\"...\"], {extra} = [...] }}");
    let table = value.and_then(|v| v.as_table()).ok_or(shape)?;
    let strings = |key: &str| -> Result<Vec<String>, String> {
        match table.get(key) {
            None => Ok(Vec::new()),
            Some(toml::Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or(format!("`{what}.{key}` must hold strings"))
                })
                .collect(),
            Some(_) => Err(format!("`{what}.{key}` must be an array of strings")),
        }
    };
    if let Some(k) = table.keys().find(|k| *k != "sources" && *k != extra) {
        return Err(format!("unknown key `{what}.{k}` (sources, {extra})"));
    }
    let sources = strings("sources")?;
    if sources.is_empty() {
        return Err(format!("`{what}.sources` names no files"));
    }
    Ok((
        sources.into_iter().map(PathBuf::from).collect(),
        strings(extra)?,
    ))
}

fn perms_flags(text: &str) -> Option<u64> {
    let mut flags = 0;
    for c in text.chars() {
        let bit = match c {
            'r' => abi::REGION_READ,
            'w' => abi::REGION_WRITE,
            'x' => abi::REGION_EXECUTE,
            _ => return None,
        };
        if flags & bit != 0 {
            return None;
        }
        flags |= bit;
    }
    (flags & abi::REGION_READ != 0).then_some(flags)
}

impl System {
    /// Reads and checks a description; every error found, in line order, if
    /// it has any.
    pub fn parse(text: &str) -> Result<System, Vec<Error>> {
        let mut ck = Checker {
            lines: Lines::new(text),
            errors: Vec::new(),
        };
        let raw: RawFile = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(e) => {
                let line = e.span().map(|s| ck.lines.of(s.start)).unwrap_or(0);
                return Err(vec![Error {
                    line,
                    message: e.message().trim().to_string(),
                }]);
            }
        };
        let system = check(&mut ck, raw);
        if ck.errors.is_empty() {
            Ok(system)
        } else {
            ck.errors.sort_by_key(|e| e.line);
            Err(ck.errors)
        }
    }

    /// The index of the component called `name`.
    pub fn component(&self, name: &str) -> Option<usize> {
        self.components.iter().position(|c| c.name == name)
    }

    /// Checks what only a built image tells: component `index`'s image,
    /// occupying `image` in its address space, with the runtime region
    /// above it (guard page, stack, IPC buffer, TLS: `runtime_bytes` more),
    /// must end below the mapping window.
    pub fn check_image(
        &self,
        index: usize,
        image: Range<u64>,
        runtime_bytes: u64,
    ) -> Result<(), Error> {
        let c = &self.components[index];
        let end = image.end.saturating_add(runtime_bytes);
        if image.start < abi::INFO_VADDR as u64 + PAGE {
            return Err(Error {
                line: c.line,
                message: format!(
                    "component `{}`: its image starts at {:#x}, below the system information page's end ({:#x})",
                    c.name,
                    image.start,
                    abi::INFO_VADDR as u64 + PAGE
                ),
            });
        }
        if end > abi::REGION_WINDOW.start as u64 {
            return Err(Error {
                line: c.line,
                message: format!(
                    "component `{}`: its image and stack end at {end:#x}, inside the mapping window from {:#x}",
                    c.name,
                    abi::REGION_WINDOW.start
                ),
            });
        }
        Ok(())
    }

    /// The bytes of RAM the system's components ask for: stacks, heaps,
    /// shared RAM regions (device memory is not RAM); images are not
    /// counted (known only once built).
    pub fn ram_asked(&self) -> u64 {
        let components: u64 = self.components.iter().map(|c| c.stack + c.heap).sum();
        let regions: u64 = self
            .regions
            .iter()
            .filter(|r| r.phys.is_none())
            .map(|r| r.size)
            .sum();
        components + regions
    }
}

fn check(ck: &mut Checker, raw: RawFile) -> System {
    let mut memory = DEFAULT_MEMORY;
    let mut memory_span = 0..0;
    let mut name = "system".to_string();
    if let Some(h) = &raw.system {
        if let Some(n) = &h.name {
            name = n.clone();
        }
        if let Some(m) = &h.memory {
            memory = m.get_ref().0;
            memory_span = m.span();
        }
    }

    // Components' names first: everything else refers to them.
    let mut names: HashMap<String, usize> = HashMap::new();
    for (i, c) in raw.component.iter().enumerate() {
        let n = c.get_ref().name.get_ref();
        if n.is_empty()
            || n.len() >= abi::NAME_BYTES
            || !n
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
        {
            ck.at(
                c.get_ref().name.span(),
                format!(
                    "component name `{n}`: use 1 to {} letters, digits, `-` or `_`",
                    abi::NAME_BYTES - 1
                ),
            );
        }
        if names.insert(n.clone(), i).is_some() {
            ck.at(
                c.get_ref().name.span(),
                format!("a second component named `{n}`"),
            );
        }
    }
    if raw.component.is_empty() {
        ck.at(
            0..0,
            "the system has no components (add a [[component]] table)",
        );
    }
    let mut regions = Vec::new();
    let mut region_names: HashMap<String, usize> = HashMap::new();
    for m in &raw.memory {
        let r = m.get_ref();
        let n = r.name.get_ref();
        if region_names.insert(n.clone(), regions.len()).is_some() {
            ck.at(r.name.span(), format!("a second memory region named `{n}`"));
        }
        if n.is_empty() || n.len() >= abi::NAME_BYTES {
            ck.at(
                r.name.span(),
                format!(
                    "memory region name `{n}`: 1 to {} bytes",
                    abi::NAME_BYTES - 1
                ),
            );
        }
        let size = ck.size(&r.size, "memory region size", PAGE);
        let phys = r.phys.as_ref().map(|p| {
            let a = *p.get_ref();
            if a < 0 || !(a as u64).is_multiple_of(PAGE) {
                ck.at(
                    p.span(),
                    format!("physical address {a:#x} is not page-aligned"),
                );
            }
            a as u64
        });
        if r.dma && phys.is_some() {
            ck.at(
                r.name.span(),
                format!(
                    "memory region `{n}` is device memory (phys) or DMA memory (dma), not both"
                ),
            );
        }
        regions.push(MemoryRegion {
            name: n.clone(),
            size,
            phys,
            dma: r.dma,
        });
    }

    let mut components = Vec::new();
    for c in &raw.component {
        let span = c.span();
        let r = c.get_ref();
        let cname = r.name.get_ref().clone();
        let line = ck.lines.of(span.start);
        let sources: Vec<(&str, bool)> = vec![
            ("package", r.package.is_some()),
            ("elf", r.elf.is_some()),
            ("c", r.c.is_some()),
            ("ocaml", r.ocaml.is_some()),
            ("dafny", r.dafny.is_some()),
        ];
        let given: Vec<&str> = sources.iter().filter(|s| s.1).map(|s| s.0).collect();
        let source = match (given.as_slice(), &r.package, &r.elf) {
            (["package"], Some(p), _) => Source::Package(p.clone()),
            (["elf"], _, Some(e)) => Source::Elf(PathBuf::from(e)),
            (["ocaml"], _, _) => match table_source(r.ocaml.as_ref(), "ocaml", "packages") {
                Ok((sources, packages)) => Source::OCaml { sources, packages },
                Err(why) => {
                    ck.at(span.clone(), format!("component `{cname}`: {why}"));
                    Source::Elf(PathBuf::new())
                }
            },
            (["c"], _, _) => match table_source(r.c.as_ref(), "c", "cflags") {
                Ok((sources, cflags)) => Source::C { sources, cflags },
                Err(why) => {
                    ck.at(span.clone(), format!("component `{cname}`: {why}"));
                    Source::Elf(PathBuf::new())
                }
            },
            (["dafny"], _, _) => match table_source(r.dafny.as_ref(), "dafny", "flags") {
                Ok((sources, flags)) => Source::Dafny { sources, flags },
                Err(why) => {
                    ck.at(span.clone(), format!("component `{cname}`: {why}"));
                    Source::Elf(PathBuf::new())
                }
            },
            ([], _, _) => {
                ck.at(
                    span.clone(),
                    format!(
                        "component `{cname}` says nothing to build it from (`package`, `elf`, `c`, `ocaml` or `dafny`)"
                    ),
                );
                Source::Elf(PathBuf::new())
            }
            (many, _, _) => {
                ck.at(
                    span.clone(),
                    format!(
                        "component `{cname}` names several images ({}); give one",
                        many.join(", ")
                    ),
                );
                Source::Elf(PathBuf::new())
            }
        };
        let priority = r
            .priority
            .as_ref()
            .map(|p| ck.int(p, "priority", 1..255, DEFAULT_PRIORITY))
            .unwrap_or(DEFAULT_PRIORITY);
        let stack = r
            .stack
            .as_ref()
            .map(|s| ck.size(s, "stack", 4 * PAGE))
            .unwrap_or(DEFAULT_STACK);
        let heap = r
            .heap
            .as_ref()
            .map(|s| ck.size(s, "heap", 4 * PAGE))
            .unwrap_or(DEFAULT_HEAP);
        if heap > abi::MAX_HEAP as u64 {
            ck.at(
                r.heap.as_ref().map(|h| h.span()).unwrap_or(span.clone()),
                "heap larger than 256 GiB",
            );
        }
        let period_us = r
            .period_us
            .as_ref()
            .map(|p| ck.int(p, "period_us", 1..i64::MAX, DEFAULT_BUDGET_US))
            .unwrap_or(DEFAULT_BUDGET_US);
        let budget_us = match &r.budget_us {
            Some(b) => {
                let v = ck.int(b, "budget_us", 1..i64::MAX, DEFAULT_BUDGET_US);
                if v > period_us {
                    ck.at(
                        b.span(),
                        format!("budget_us {v} exceeds period_us {period_us}"),
                    );
                }
                v
            }
            None => DEFAULT_BUDGET_US.min(period_us),
        };
        let supervisor = match &r.supervisor {
            Some(s) => match names.get(s.get_ref()) {
                Some(&i) if s.get_ref() == &cname => {
                    ck.at(
                        s.span(),
                        format!("component `{cname}` cannot supervise itself"),
                    );
                    Some(i)
                }
                Some(&i) => Some(i),
                None => {
                    ck.at(
                        s.span(),
                        format!("unknown component `{}` as supervisor", s.get_ref()),
                    );
                    None
                }
            },
            None => None,
        };
        let mut maps = Vec::new();
        for m in &r.map {
            let mr = m.get_ref();
            let mline = ck.lines.of(m.span().start);
            let Some(&region) = region_names.get(mr.memory.get_ref()) else {
                ck.at(
                    mr.memory.span(),
                    format!("unknown memory region `{}`", mr.memory.get_ref()),
                );
                continue;
            };
            let vaddr = *mr.vaddr.get_ref();
            let Some(mut flags) = perms_flags(mr.perms.get_ref()) else {
                ck.at(
                    if mr.perms.span().is_empty() {
                        m.span()
                    } else {
                        mr.perms.span()
                    },
                    format!("perms `{}`: use r, rw, rx or rwx", mr.perms.get_ref()),
                );
                continue;
            };
            let reg = &regions[region];
            if reg.dma {
                flags |= abi::REGION_DMA;
            }
            if reg.phys.is_some() {
                flags |= abi::REGION_DEVICE | abi::REGION_UNCACHED;
                if mr.cached == Some(true) {
                    ck.at(
                        m.span(),
                        format!("device memory `{}` cannot be mapped cached", reg.name),
                    );
                }
            } else if mr.cached == Some(false) {
                flags |= abi::REGION_UNCACHED;
            }
            let window = abi::REGION_WINDOW.start as i64..abi::REGION_WINDOW.end as i64;
            if vaddr < 0 || !(vaddr as u64).is_multiple_of(PAGE) {
                ck.at(
                    mr.vaddr.span(),
                    format!("vaddr {vaddr:#x} is not page-aligned"),
                );
                continue;
            }
            if !window.contains(&vaddr)
                || (vaddr as u64).saturating_add(reg.size) > window.end as u64
            {
                ck.at(
                    mr.vaddr.span(),
                    format!(
                        "`{}` at {vaddr:#x}..{:#x} is outside the mapping window {:#x}..{:#x}",
                        reg.name,
                        vaddr as u64 + reg.size,
                        window.start,
                        window.end
                    ),
                );
                continue;
            }
            maps.push(Map {
                region,
                vaddr: vaddr as u64,
                flags,
                line: mline,
            });
        }
        check_overlaps(ck, &cname, &maps, &regions);
        if maps.len() > abi::MAX_REGIONS {
            ck.at(
                span.clone(),
                format!(
                    "component `{cname}` maps {} regions; at most {}",
                    maps.len(),
                    abi::MAX_REGIONS
                ),
            );
        }
        let mut ioports = Vec::new();
        for p in &r.ioport {
            let pr = p.get_ref();
            let ok = (0..=0xffff).contains(&pr.first) && (pr.first..=0xffff).contains(&pr.last);
            if !ok {
                ck.at(
                    p.span(),
                    format!(
                        "I/O ports {:#x}..={:#x}: need 0 <= first <= last <= 0xffff",
                        pr.first, pr.last
                    ),
                );
                continue;
            }
            ioports.push(IoPortRange {
                first: pr.first as u16,
                last: pr.last as u16,
            });
        }
        if ioports.len() > abi::MAX_IOPORTS {
            ck.at(
                span.clone(),
                format!(
                    "component `{cname}` has more than {} I/O port ranges",
                    abi::MAX_IOPORTS
                ),
            );
        }
        let mut irqs = Vec::new();
        for q in &r.irq {
            let qr = q.get_ref();
            if !(0..=255).contains(&qr.ioapic) || !(0..=255).contains(&qr.pin) {
                ck.at(q.span(), "ioapic and pin must be 0..=255");
                continue;
            }
            if !(0..abi::MAX_CHANNELS as i64).contains(&qr.channel) {
                ck.at(
                    q.span(),
                    format!(
                        "interrupt channel id {} is out of range (0..={})",
                        qr.channel,
                        abi::MAX_CHANNELS - 1
                    ),
                );
                continue;
            }
            irqs.push(Irq {
                ioapic: qr.ioapic as u8,
                pin: qr.pin as u8,
                level: qr.level,
                active_low: qr.active_low,
                channel: qr.channel as u8,
            });
        }
        if irqs.len() > abi::MAX_IRQS {
            ck.at(
                span.clone(),
                format!(
                    "component `{cname}` has more than {} interrupts",
                    abi::MAX_IRQS
                ),
            );
        }
        components.push(Component {
            name: cname,
            source,
            priority,
            stack,
            heap,
            budget_us,
            period_us,
            restart: r.restart,
            timer: r.timer,
            supervisor,
            maps,
            ioports,
            irqs,
            line,
        });
    }

    // Supervisors may not form cycles.
    for (i, c) in components.iter().enumerate() {
        let mut seen = vec![i];
        let mut at = c.supervisor;
        while let Some(s) = at {
            if seen.contains(&s) {
                if s == i && c.supervisor != Some(i) {
                    let span = raw.component[i]
                        .get_ref()
                        .supervisor
                        .as_ref()
                        .map(|x| x.span())
                        .unwrap_or(0..0);
                    ck.at(
                        span,
                        format!("component `{}` is among its own supervisors", c.name),
                    );
                }
                break;
            }
            seen.push(s);
            at = components[s].supervisor;
        }
    }
    for (i, c) in components.iter().enumerate() {
        let children = components
            .iter()
            .filter(|k| k.supervisor == Some(i))
            .count();
        if children > abi::MAX_CHILDREN {
            ck.at(
                raw.component[i].span(),
                format!(
                    "component `{}` supervises {children} components; at most {}",
                    c.name,
                    abi::MAX_CHILDREN
                ),
            );
        }
    }

    // Channels: ids unique per component (interrupts' ids included).
    let mut used: HashMap<(usize, u8), usize> = HashMap::new();
    for (i, c) in components.iter().enumerate() {
        for q in &c.irqs {
            if let Some(prev) = used.insert((i, q.channel), c.line) {
                let _ = prev;
                ck.at(
                    raw.component[i].span(),
                    format!(
                        "component `{}`: channel id {} is used twice",
                        c.name, q.channel
                    ),
                );
            }
        }
    }
    let mut channels = Vec::new();
    for ch in &raw.channel {
        let r = ch.get_ref();
        let mut end = |e: &Spanned<RawEnd>, ck: &mut Checker| -> Option<End> {
            let er = e.get_ref();
            let Some(&component) = names.get(er.component.get_ref()) else {
                ck.at(
                    er.component.span(),
                    format!("unknown component `{}`", er.component.get_ref()),
                );
                return None;
            };
            let id: u8 = ck.int(&er.id, "channel id", 0..abi::MAX_CHANNELS as i64, u8::MAX);
            if id == u8::MAX {
                return None;
            }
            let line = ck.lines.of(er.id.span().start);
            if let Some(prev) = used.insert((component, id), line) {
                ck.at(
                    er.id.span(),
                    format!(
                        "component `{}` already has channel id {id} (line {prev})",
                        er.component.get_ref()
                    ),
                );
            }
            Some(End { component, id })
        };
        let from = end(&r.from, ck);
        let to = end(&r.to, ck);
        if let (Some(from), Some(to)) = (from, to) {
            if from.component == to.component {
                ck.at(
                    ch.span(),
                    format!(
                        "a channel from `{}` to itself",
                        components[from.component].name
                    ),
                );
                continue;
            }
            channels.push(Channel {
                from,
                to,
                protected: r.protected,
            });
        }
    }

    let mut wait_for = Vec::new();
    for w in raw.system.iter().flat_map(|h| &h.wait_for) {
        match names.get(w.get_ref()) {
            Some(&i) if wait_for.contains(&i) => {
                ck.at(w.span(), format!("`{}` is in wait_for twice", w.get_ref()))
            }
            Some(&i) => wait_for.push(i),
            None => ck.at(
                w.span(),
                format!("unknown component `{}` in wait_for", w.get_ref()),
            ),
        }
    }
    let system = System {
        name,
        memory,
        components,
        regions,
        channels,
        wait_for,
    };
    let asked = system.ram_asked();
    let usable = memory.saturating_sub(RESERVED_MEMORY);
    if asked > usable {
        ck.at(
            memory_span,
            format!(
                "too little memory: stacks, heaps and shared regions need {} KiB, the machine's {} MiB leave {} KiB (raise [system] memory, or shrink them)",
                asked >> 10,
                memory >> 20,
                usable >> 10
            ),
        );
    }
    system
}

/// Reports mappings of one component that overlap, naming a region mapped
/// twice at one address as such.
fn check_overlaps(ck: &mut Checker, cname: &str, maps: &[Map], regions: &[MemoryRegion]) {
    for (j, b) in maps.iter().enumerate() {
        for a in &maps[..j] {
            let ra = &regions[a.region];
            let rb = &regions[b.region];
            let (a_end, b_end) = (a.vaddr + ra.size, b.vaddr + rb.size);
            if a.vaddr < b_end && b.vaddr < a_end {
                let message = if a.vaddr == b.vaddr && a.region == b.region {
                    format!(
                        "component `{cname}` maps `{}` twice at {:#x} (line {})",
                        rb.name, b.vaddr, a.line
                    )
                } else {
                    format!(
                        "component `{cname}`: `{}` at {:#x}..{b_end:#x} overlaps `{}` at {:#x}..{a_end:#x} (line {})",
                        rb.name, b.vaddr, ra.name, a.vaddr, a.line
                    )
                };
                ck.errors.push(Error {
                    line: b.line,
                    message,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests;
