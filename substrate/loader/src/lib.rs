//! Loading a child component (`substrate-component`) from its ELF image into
//! a new seL4 address space and capability space, starting it, and making
//! sense of what arrives from it afterwards.
//!
//! ```ignore
//! let mut objects = ObjectAllocator::new(bootinfo);
//! let ep: sel4::cap::Endpoint = objects.allocate(ObjectType::Endpoint, 0)?;
//! let image = Image::parse(substrate_loader::include_component!("MY_CHILD"))?;
//! let endpoints = Endpoints { endpoint: ep, badge: 1, fault_endpoint: ep, fault_badge: 2 };
//! let child = Child::spawn(&mut objects, &image, &endpoints, &Config::new(main_tcb, 100))?;
//! let reply = objects.allocate_reply()?;
//! let (info, badge) = ep.recv(&reply);
//! let mut ipc = unsafe { sel4::IpcBuffer::current() };
//! match child.event(info, badge, ipc.msg_regs()) {
//!     Some(Event::Message(info)) => { /* a request: answer with reply.send(..) */ }
//!     Some(Event::Exit(status)) => { /* child's main returned */ }
//!     Some(Event::Fault(fault)) => { /* e.g. VmFault { addr: 0, .. } */ }
//!     None => { /* another sender's badge */ }
//! }
//! ```
//!
//! # What the loader builds
//!
//! * **Address space.** A new PML4 (`seL4_X64_PML4Object`) with an ASID from
//!   the initial thread's ASID pool (`seL4_X86_ASIDPool_Assign`). The
//!   `PT_LOAD` segments of the image ([`Image::parse`], with the `elf` crate)
//!   are backed page by page with new 4 KiB frames: each frame is mapped
//!   into the parent's own address space at [`Config::temp_vaddr`], zeroed,
//!   filled with the file bytes of every segment that overlaps it, unmapped
//!   and mapped at its place in the child's address space, read-write if
//!   any overlapping segment is writable, else read-only. The parts of a
//!   segment beyond its file size (`.bss`) are therefore zero. Paging
//!   structures are created as needed (`ObjectAllocator::map_frame`).
//!   Page 0 is never mapped, so null-pointer accesses fault.
//! * **Runtime region**, above the image's last page:
//!
//!   ```text
//!   [ image ][ guard page ][ stack ............ ][ IPC buffer ][ TLS block ]
//!                                               ^ stack top
//!   ```
//!
//!   The guard page is left unmapped, so a stack overflow is a VM fault. The
//!   TLS block is built by the loader from the image's `PT_TLS` template
//!   with `substrate-tls` (`.tdata` copy, `.tbss` zeros, then the thread
//!   control block with its self pointer at `fs:0` and the IPC buffer pointer
//!   at `fs:16`), written through the temporary mapping and patched to hold
//!   the child's addresses.
//! * **CSpace.** A new CNode of `2^abi::CNODE_SIZE_BITS` slots. The thread's
//!   CSpace root carries a guard of `64 - CNODE_SIZE_BITS` zero bits (set
//!   through `cspace_root_data` of `seL4_TCB_SetSpace`, built with
//!   [`sel4::GuardArg`]), so a full 64-bit capability pointer `n` resolves to
//!   slot `n`. Slot [`abi::ENDPOINT_SLOT`] holds a badged copy of the
//!   parent's endpoint with write and grant rights only (seL4 5.0 needs grant
//!   on the endpoint for a `seL4_Call` to get a reply capability; without
//!   read the child cannot receive the parent's messages); slot
//!   [`abi::FAULT_ENDPOINT_SLOT`] holds a badged copy of the fault endpoint,
//!   because non-MCS kernels look the fault endpoint up in the faulting
//!   thread's CSpace (MCS kernels keep the fault endpoint in the TCB, so
//!   there the badged copy stays in the parent's CSpace and the child's slot
//!   is empty). On kernels without a debug console, slot
//!   [`abi::CONSOLE_SLOT`] gets a copy of the parent's COM1 capability
//!   (`sel4::serial_console`), the child's console. The child gets nothing
//!   else.
//! * **Thread.** A new TCB with `seL4_TCB_SetSpace` (fault endpoint, CSpace,
//!   VSpace), `seL4_TCB_SetIPCBuffer` and `seL4_TCB_SetPriority` (checked
//!   against [`Config::authority`]'s maximum controlled priority where the
//!   kernel takes one, against the caller's on seL4 5.0). The child's own
//!   maximum controlled priority stays 0. On MCS kernels the child also gets
//!   a scheduling context with [`Config::budget`]'s budget and period
//!   (`seL4_SchedControl_ConfigureFlags` on the first core's scheduling
//!   control), bound with its priority and fault endpoint by
//!   `seL4_TCB_SetSchedParams`. [`Child::start`] writes the
//!   registers with `seL4_TCB_WriteRegisters` and resumes the thread: `RIP` =
//!   the ELF entry ([`abi::ENTRY_SYMBOL`]), `RSP` = stack top - 8 (as if just
//!   called), `RDI` = the thread pointer, `RSI` = [`abi::CONSOLE_SLOT`] if
//!   the child got a console (kernels without a debug console), else 0; on
//!   kernels where a thread cannot set its own thread pointer (seL4 5.0) also
//!   `tls_base` = the thread pointer (elsewhere the child sets it itself).
//!
//! # Restarting
//!
//! A child loaded with [`Config::restartable`] can be restarted from its
//! initial state with [`Child::restart`]: the loader keeps a second
//! capability to each frame the child can write (one parent slot per
//! page), and a restart writes those pages again from the image (the
//! parent's read-only copy), zeroes stack and IPC buffer, rebuilds the TLS
//! block and starts the thread at its entry point, keeping its address
//! space and CSpace.
//!
//! # Building the parent
//!
//! The parent embeds the child's ELF file: its `build.rs` calls
//! `substrate_build::embed_component("<child package>")`, which builds the
//! child with cargo into `<target dir>/child-images` (artifact dependencies
//! are nightly-only), and its code uses [`include_component!`].
//!
//! The ELF file is parsed with the `elf` crate rather than `object`:
//! `object` always depends on `memchr`, whose `std` feature other workspace
//! members turn on, so `--workspace` builds would link `std` (and a second
//! panic handler) into the parent's image. `elf` has no dependencies.
//!
//! # Limits
//!
//! * Badges must fit the kernel's badge field (28 bits on seL4 5.0).
//! * [`Child::destroy`] deletes every capability the loader created itself
//!   and frees those slots; the paging structures `ObjectAllocator` created
//!   for the child's address space keep their slots, and no untyped memory
//!   is reclaimed (the allocator does not reuse memory).
#![no_std]

extern crate alloc;

use alloc::vec::Vec;
use core::fmt;
use elf::abi as elf_abi;
use elf::endian::LittleEndian;
use elf::file::Class;
use elf::{ElfBytes, ParseError};
use sel4::{
    cap, init_thread, AbsoluteCPtr, CPtr, CapRights, Fault, FrameSize, MessageInfo, ObjectType,
    Word,
};
use sel4_object_allocator::{AllocError, ObjectAllocator};
use substrate_tls::{ThreadControlBlock, TlsImage};

pub use substrate_component::abi;

/// Bytes in a 4 KiB page (`seL4_PageBits`).
pub const PAGE_SIZE: usize = 1 << sel4::sys::seL4_PageBits;

/// The end of the user half of an x86_64 address space with 4-level paging
/// (canonical addresses below bit 47).
const USER_TOP: usize = 1 << 47;

/// Where [`Config::temp_vaddr`] points by default: a window in the parent's
/// own address space, far from the image, used for the frames being filled.
pub const DEFAULT_TEMP_VADDR: usize = 0x7e00_0000_0000;

/// Stack size by default: 64 KiB.
pub const DEFAULT_STACK_SIZE: usize = 64 * 1024;

/// Embeds the ELF image of a component built by
/// `substrate_build::embed_component(package)` as a `&'static [u8]`; the
/// argument is the package name upper-cased, with `_` for `-`:
///
/// ```ignore
/// static CHILD: &[u8] = substrate_loader::include_component!("MY_CHILD");
/// ```
#[macro_export]
macro_rules! include_component {
    ($name:literal) => {
        include_bytes!(env!(concat!("SUBSTRATE_COMPONENT_", $name)))
    };
}

/// Why a child could not be loaded or started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadError {
    /// The ELF image is not a component for this machine.
    Elf(&'static str),
    /// Creating an object or a slot failed (out of memory, out of slots, or
    /// a kernel error from an invocation).
    Alloc(AllocError),
    /// The configuration asks for something impossible (e.g. a zero badge).
    Config(&'static str),
}

impl From<AllocError> for LoadError {
    fn from(e: AllocError) -> Self {
        LoadError::Alloc(e)
    }
}

impl From<sel4::Error> for LoadError {
    fn from(e: sel4::Error) -> Self {
        LoadError::Alloc(AllocError::Kernel(e))
    }
}

/// What the `elf` crate's parse errors mean for a loader.
fn parse_error(e: ParseError) -> LoadError {
    LoadError::Elf(match e {
        ParseError::BadMagic(_) => "not an ELF file",
        ParseError::UnsupportedElfClass(_) => "unknown ELF class",
        ParseError::UnsupportedElfEndianness(_) => "not a little-endian ELF file",
        ParseError::SliceReadError(_) | ParseError::BadOffset(_) => {
            "truncated: a header or segment lies outside the file"
        }
        ParseError::IntegerOverflow => "a size or offset overflows",
        _ => "malformed ELF file",
    })
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Elf(m) => write!(f, "bad ELF image: {m}"),
            LoadError::Alloc(e) => write!(f, "{e}"),
            LoadError::Config(m) => write!(f, "bad configuration: {m}"),
        }
    }
}

/// One `PT_LOAD` segment.
#[derive(Debug, Clone, Copy)]
struct Segment<'a> {
    vaddr: usize,
    mem_size: usize,
    file: &'a [u8],
    writable: bool,
}

impl Segment<'_> {
    fn end(&self) -> usize {
        self.vaddr + self.mem_size
    }

    /// Whether the segment covers any byte of the page at `page`.
    fn overlaps(&self, page: usize) -> bool {
        self.vaddr < page + PAGE_SIZE && self.end() > page
    }
}

/// The `PT_TLS` template.
#[derive(Debug, Clone, Copy)]
struct TlsTemplate<'a> {
    init: &'a [u8],
    mem_size: usize,
    align: usize,
}

/// A parsed and checked component image.
#[derive(Debug, Clone)]
pub struct Image<'a> {
    entry: usize,
    segments: Vec<Segment<'a>>,
    tls: Option<TlsTemplate<'a>>,
    start: usize,
    end: usize,
}

impl<'a> Image<'a> {
    /// Parses an x86_64 ELF executable and checks that it can be loaded:
    /// little-endian ELF64 of type `ET_EXEC` for `EM_X86_64`, at least one
    /// `PT_LOAD` segment, every segment's file bytes inside the file and its
    /// memory inside the user address space and above page 0, the entry
    /// point inside a segment, a `PT_TLS` alignment of at most a page and a
    /// `PT_TLS` size that fits the user address space.
    pub fn parse(data: &'a [u8]) -> Result<Image<'a>, LoadError> {
        let file = ElfBytes::<LittleEndian>::minimal_parse(data).map_err(parse_error)?;
        if file.ehdr.class != Class::ELF64 {
            return Err(LoadError::Elf("not an ELF64 file"));
        }
        if file.ehdr.e_machine != elf_abi::EM_X86_64 {
            return Err(LoadError::Elf("not an x86_64 image"));
        }
        if file.ehdr.e_type != elf_abi::ET_EXEC {
            return Err(LoadError::Elf("not a static executable (ET_EXEC)"));
        }
        let entry = file.ehdr.e_entry as usize;
        let mut segments = Vec::new();
        let mut tls = None;
        let headers = file
            .segments()
            .ok_or(LoadError::Elf("no program headers"))?;
        for ph in headers.iter() {
            let bytes = file.segment_data(&ph).map_err(parse_error)?;
            let vaddr = ph.p_vaddr as usize;
            let mem_size = ph.p_memsz as usize;
            if bytes.len() > mem_size {
                return Err(LoadError::Elf("segment file size exceeds its memory size"));
            }
            match ph.p_type {
                elf_abi::PT_LOAD if mem_size > 0 => {
                    if vaddr.checked_add(mem_size).is_none_or(|e| e > USER_TOP) {
                        return Err(LoadError::Elf("segment outside the user address space"));
                    }
                    if vaddr < PAGE_SIZE {
                        return Err(LoadError::Elf("segment maps page 0"));
                    }
                    segments.push(Segment {
                        vaddr,
                        mem_size,
                        file: bytes,
                        writable: ph.p_flags & elf_abi::PF_W != 0,
                    });
                }
                elf_abi::PT_TLS => {
                    let align = (ph.p_align as usize).max(1);
                    if !align.is_power_of_two() || align > PAGE_SIZE {
                        return Err(LoadError::Elf(
                            "TLS alignment not a power of two up to a page",
                        ));
                    }
                    // The block (template, padding, control block) must fit
                    // the user address space; this also keeps the block
                    // layout's arithmetic from overflowing.
                    if mem_size > USER_TOP {
                        return Err(LoadError::Elf("TLS segment larger than the address space"));
                    }
                    tls = Some(TlsTemplate {
                        init: bytes,
                        mem_size,
                        align,
                    });
                }
                _ => {}
            }
        }
        let start = segments
            .iter()
            .map(|s| s.vaddr)
            .min()
            .ok_or(LoadError::Elf("no PT_LOAD segment"))?;
        let end = segments.iter().map(Segment::end).max().unwrap_or(start);
        if !segments.iter().any(|s| (s.vaddr..s.end()).contains(&entry)) {
            return Err(LoadError::Elf("entry point outside the loaded segments"));
        }
        Ok(Image {
            entry,
            segments,
            tls,
            start: start & !(PAGE_SIZE - 1),
            end: end.next_multiple_of(PAGE_SIZE),
        })
    }

    /// The entry point (`e_entry`).
    pub fn entry(&self) -> usize {
        self.entry
    }

    /// The page-aligned range of the child's address space the segments cover.
    pub fn range(&self) -> core::ops::Range<usize> {
        self.start..self.end
    }

    /// The pages (their addresses, ascending) that some segment overlaps.
    /// Gaps between segments are skipped in one step, so a sparse image
    /// (segments far apart) costs time for its pages only, not its span.
    fn pages(&self) -> impl Iterator<Item = usize> + '_ {
        let mut next = self.start;
        core::iter::from_fn(move || {
            while next < self.end {
                let page = next;
                let page_end = page + PAGE_SIZE;
                if self.segments.iter().any(|s| s.overlaps(page)) {
                    next = page_end;
                    return Some(page);
                }
                // No segment here: go to the page of the next segment that
                // starts above this one (or past the end).
                next = self
                    .segments
                    .iter()
                    .filter(|s| s.vaddr >= page_end)
                    .map(|s| s.vaddr & !(PAGE_SIZE - 1))
                    .min()
                    .unwrap_or(self.end);
            }
            None
        })
    }

    fn tls_image(&self) -> TlsImage {
        match self.tls {
            Some(t) => TlsImage {
                init: t.init.as_ptr(),
                init_len: t.init.len(),
                mem_size: t.mem_size,
                align: t.align,
            },
            None => TlsImage {
                init: core::ptr::NonNull::<u8>::dangling().as_ptr(),
                init_len: 0,
                mem_size: 0,
                align: 1,
            },
        }
    }
}

/// The endpoints a child talks to its parent through. Both may be the same
/// endpoint object; the badges tell the child's messages and its faults
/// apart.
#[derive(Debug, Clone, Copy)]
pub struct Endpoints {
    /// The parent's endpoint (in the parent's CSpace); the child gets a copy
    /// with `badge`.
    pub endpoint: cap::Endpoint,
    /// Non-zero badge of the child's endpoint capability.
    pub badge: Word,
    /// The endpoint the kernel reports the child's faults on.
    pub fault_endpoint: cap::Endpoint,
    /// Non-zero badge the child's fault messages arrive with; different from `badge`.
    pub fault_badge: Word,
}

/// How to set up a child.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// The TCB whose maximum controlled priority authorises the child's
    /// priority (used by kernels whose `seL4_TCB_SetPriority` takes one; on
    /// seL4 5.0 the calling thread's counts).
    pub authority: cap::Tcb,
    /// The child's priority. At most the authority's maximum controlled
    /// priority; below the parent's own if the parent should keep running
    /// when the child is ready.
    pub priority: Word,
    /// Stack size in bytes (rounded up to pages).
    pub stack_size: usize,
    /// A page-aligned address in the parent's own address space where the
    /// loader temporarily maps the frames it fills; enough pages for the
    /// child's TLS block must be free from there on.
    pub temp_vaddr: usize,
    /// On MCS kernels, the child's CPU time in microseconds per period and
    /// the period (its scheduling context); ignored elsewhere.
    pub budget: (u64, u64),
    /// Keep what [`Child::restart`] needs: a second capability to every
    /// frame the child can write (its writable segments, stack, IPC buffer
    /// and TLS block), one slot of the parent's CSpace each.
    pub restartable: bool,
}

/// The budget and period of a child's scheduling context on MCS kernels
/// when [`Config`] names none: 10 ms of every 10 ms, so the child takes
/// turns with threads of its priority as on a non-MCS kernel.
pub const DEFAULT_BUDGET_US: (u64, u64) = (10_000, 10_000);

impl Config {
    /// A configuration with the default stack size and temporary window.
    pub fn new(authority: cap::Tcb, priority: Word) -> Self {
        Self {
            authority,
            priority,
            stack_size: DEFAULT_STACK_SIZE,
            temp_vaddr: DEFAULT_TEMP_VADDR,
            budget: DEFAULT_BUDGET_US,
            restartable: false,
        }
    }
}

/// Slot `slot` of a child component's CNode `cnode`, as the parent
/// names it for `seL4_CNode_*` invocations: depth
/// [`abi::CNODE_SIZE_BITS`], the CNode's own size (the guard is only in
/// the child's CSpace root).
pub fn child_slot(cnode: cap::CNode, slot: CPtr) -> AbsoluteCPtr {
    AbsoluteCPtr {
        root: cnode,
        path: slot,
        depth: abi::CNODE_SIZE_BITS,
    }
}

/// What a message received from a child means (see [`Child::event`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// An ordinary message from the child (its message registers are in the
    /// receiver's IPC buffer). If the child called, the [`sel4::Reply`] it
    /// was received with answers.
    Message(MessageInfo),
    /// The child's `main` returned (or it panicked) with this status
    /// ([`abi::EXIT_LABEL`]). It waits for a reply that should never come.
    Exit(Word),
    /// The child faulted; the kernel stopped it and sent this on its behalf.
    Fault(Fault),
}

/// A loaded child component.
#[derive(Debug)]
pub struct Child {
    tcb: cap::Tcb,
    vspace: cap::VSpace,
    cnode: cap::CNode,
    badge: Word,
    fault_badge: Word,
    entry: usize,
    image: core::ops::Range<usize>,
    stack_top: usize,
    stack_bottom: usize,
    thread_pointer: usize,
    /// [`abi::CONSOLE_SLOT`] if the child got a console capability, else 0.
    console: CPtr,
    /// Slots of every capability the loader created, in creation order.
    slots: Vec<CPtr>,
    /// For a restartable child: a second capability to each frame the
    /// child can write, with its address in the child and what it holds
    /// initially.
    restore: Vec<(cap::Frame, usize, Initial)>,
    /// Where the TLS block starts in the child, and the IPC buffer's address.
    tls_vaddr: usize,
    ipc_vaddr: usize,
    temp_vaddr: usize,
}

/// What a writable frame of a child holds when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Initial {
    /// The image's bytes for this page (zeros beyond the segments' file bytes).
    Image,
    /// Zeros (stack, IPC buffer).
    Zero,
    /// Page `n` of the TLS block.
    Tls(usize),
}

/// Where the runtime region above the image goes (see the crate
/// documentation): `[ guard page ][ stack ][ IPC buffer ][ TLS block ]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RuntimeRegion {
    stack_bottom: usize,
    stack_pages: usize,
    stack_top: usize,
    ipc_vaddr: usize,
    tls_vaddr: usize,
    tls_pages: usize,
}

impl RuntimeRegion {
    /// The region above an image ending at the page-aligned `image_end`, for
    /// a stack of `stack_size` bytes and a TLS block of `tls_size` bytes; an
    /// error if it does not fit below the end of the user address space
    /// (checked arithmetic: any `usize` sizes are refused, not overflowed).
    fn new(image_end: usize, stack_size: usize, tls_size: usize) -> Result<Self, LoadError> {
        const NO_ROOM: LoadError = LoadError::Elf("no room above the image for stack and TLS");
        let stack_pages = stack_size.div_ceil(PAGE_SIZE).max(1);
        let tls_pages = tls_size.div_ceil(PAGE_SIZE);
        let stack_bottom = image_end.checked_add(PAGE_SIZE).ok_or(NO_ROOM)?;
        let stack_top = stack_pages
            .checked_mul(PAGE_SIZE)
            .and_then(|bytes| stack_bottom.checked_add(bytes))
            .ok_or(NO_ROOM)?;
        let ipc_vaddr = stack_top;
        let tls_vaddr = ipc_vaddr.checked_add(PAGE_SIZE).ok_or(NO_ROOM)?;
        let end = tls_pages
            .checked_mul(PAGE_SIZE)
            .and_then(|bytes| tls_vaddr.checked_add(bytes))
            .ok_or(NO_ROOM)?;
        if end > USER_TOP {
            return Err(NO_ROOM);
        }
        Ok(RuntimeRegion {
            stack_bottom,
            stack_pages,
            stack_top,
            ipc_vaddr,
            tls_vaddr,
            tls_pages,
        })
    }
}

/// Frames mapped into the parent's address space for filling.
struct TempMapping<'a> {
    frames: &'a [cap::Frame],
    vaddr: usize,
}

impl<'a> TempMapping<'a> {
    fn new(
        objects: &mut ObjectAllocator,
        frames: &'a [cap::Frame],
        vaddr: usize,
    ) -> Result<Self, LoadError> {
        let mut mapped = TempMapping { frames: &[], vaddr };
        for (i, &frame) in frames.iter().enumerate() {
            objects.map_frame(
                init_thread::VSPACE,
                frame,
                vaddr + i * PAGE_SIZE,
                CapRights::read_write(),
            )?;
            mapped.frames = &frames[..=i];
        }
        Ok(mapped)
    }

    fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: the frames are mapped read-write at consecutive pages from
        // `vaddr` and nothing else refers to that window while `self` lives.
        unsafe {
            core::slice::from_raw_parts_mut(self.vaddr as *mut u8, self.frames.len() * PAGE_SIZE)
        }
    }
}

impl Drop for TempMapping<'_> {
    fn drop(&mut self) {
        for frame in self.frames {
            // Unmapping a frame we mapped cannot fail; if it did, the next
            // map at this window would report the error.
            let _ = frame.unmap();
        }
    }
}

impl Child {
    /// Loads `image` and starts it ([`Child::load`] then [`Child::start`]).
    pub fn spawn(
        objects: &mut ObjectAllocator,
        image: &Image<'_>,
        endpoints: &Endpoints,
        config: &Config,
    ) -> Result<Child, LoadError> {
        let child = Self::load(objects, image, endpoints, config)?;
        child.start()?;
        Ok(child)
    }

    /// Builds the child's address space, CSpace and thread as the crate
    /// documentation describes, without starting it. Objects come from
    /// `objects`; on an error, what was already created is deleted again.
    pub fn load(
        objects: &mut ObjectAllocator,
        image: &Image<'_>,
        endpoints: &Endpoints,
        config: &Config,
    ) -> Result<Child, LoadError> {
        if endpoints.badge == 0
            || endpoints.fault_badge == 0
            || endpoints.badge == endpoints.fault_badge
        {
            return Err(LoadError::Config("badges must be non-zero and distinct"));
        }
        if config.temp_vaddr & (PAGE_SIZE - 1) != 0 {
            return Err(LoadError::Config("temp_vaddr not page-aligned"));
        }
        let mut child = Child {
            tcb: sel4::Cap::from_cptr(0),
            vspace: sel4::Cap::from_cptr(0),
            cnode: sel4::Cap::from_cptr(0),
            badge: endpoints.badge,
            fault_badge: endpoints.fault_badge,
            entry: image.entry,
            image: image.range(),
            stack_top: 0,
            stack_bottom: 0,
            thread_pointer: 0,
            console: 0,
            slots: Vec::new(),
            restore: Vec::new(),
            tls_vaddr: 0,
            ipc_vaddr: 0,
            temp_vaddr: config.temp_vaddr,
        };
        match child.build(objects, image, endpoints, config) {
            Ok(()) => Ok(child),
            Err(e) => {
                child.delete_caps(objects);
                Err(e)
            }
        }
    }

    fn allocate<T: sel4::CapType>(
        &mut self,
        objects: &mut ObjectAllocator,
        object: ObjectType,
        size_bits: usize,
    ) -> Result<sel4::Cap<T>, LoadError> {
        let c = objects.allocate::<T>(object, size_bits)?;
        self.slots.push(c.cptr());
        Ok(c)
    }

    fn frame(&mut self, objects: &mut ObjectAllocator) -> Result<cap::Frame, LoadError> {
        self.allocate(objects, ObjectType::Frame(FrameSize::Small), 0)
    }

    fn build(
        &mut self,
        objects: &mut ObjectAllocator,
        image: &Image<'_>,
        endpoints: &Endpoints,
        config: &Config,
    ) -> Result<(), LoadError> {
        // Address space.
        self.vspace = self.allocate(objects, ObjectType::VSpace, 0)?;
        init_thread::ASID_POOL.assign(self.vspace)?;
        self.load_segments(objects, image, config)?;

        // Runtime region: guard page, stack, IPC buffer, TLS block.
        let tls = image.tls_image();
        let layout = tls.block_layout();
        let RuntimeRegion {
            stack_bottom,
            stack_pages,
            stack_top,
            ipc_vaddr,
            tls_vaddr,
            tls_pages,
        } = RuntimeRegion::new(image.end, config.stack_size, layout.size())?;
        for i in 0..stack_pages {
            let frame = self.frame(objects)?;
            let vaddr = stack_bottom + i * PAGE_SIZE;
            objects.map_frame(self.vspace, frame, vaddr, CapRights::read_write())?;
            self.keep(objects, config, frame, vaddr, Initial::Zero)?;
        }
        let ipc_frame = self.frame(objects)?;
        objects.map_frame(self.vspace, ipc_frame, ipc_vaddr, CapRights::read_write())?;
        self.keep(objects, config, ipc_frame, ipc_vaddr, Initial::Zero)?;
        self.tls_vaddr = tls_vaddr;
        self.ipc_vaddr = ipc_vaddr;

        let tls_frames = (0..tls_pages)
            .map(|_| self.frame(objects))
            .collect::<Result<Vec<_>, _>>()?;
        self.thread_pointer = Self::fill_tls(
            objects,
            image,
            &tls_frames,
            config.temp_vaddr,
            tls_vaddr,
            ipc_vaddr,
        )?;
        for (i, &frame) in tls_frames.iter().enumerate() {
            let vaddr = tls_vaddr + i * PAGE_SIZE;
            objects.map_frame(self.vspace, frame, vaddr, CapRights::read_write())?;
            self.keep(objects, config, frame, vaddr, Initial::Tls(i))?;
        }
        self.stack_top = stack_top;
        self.stack_bottom = stack_bottom;

        // CSpace: the two badged endpoints.
        let bits = abi::CNODE_SIZE_BITS;
        self.cnode = self.allocate(objects, ObjectType::CNode, bits)?;
        let cnode = self.cnode;
        let slot = |path| child_slot(cnode, path);
        let send_grant = CapRights {
            read: false,
            write: true,
            grant: true,
            grant_reply: true,
        };
        slot(abi::ENDPOINT_SLOT).mint(
            &objects.slot(endpoints.endpoint.cptr()),
            send_grant,
            endpoints.badge,
        )?;
        // The console of a kernel without a debug console: our COM1.
        #[cfg(not(sel4_printing))]
        if let Some(uart) = sel4::serial_console() {
            slot(abi::CONSOLE_SLOT).copy(&objects.slot(uart.ports().cptr()), CapRights::all())?;
            self.console = abi::CONSOLE_SLOT;
        }
        let fault_source = objects.slot(endpoints.fault_endpoint.cptr());
        // Where the TCB's fault endpoint is looked up: in the child's CSpace
        // on non-MCS kernels (at each fault), in ours on MCS kernels (once,
        // when the TCB is configured; the TCB keeps a copy).
        #[cfg(not(sel4_mcs))]
        let fault_ep = {
            slot(abi::FAULT_ENDPOINT_SLOT).mint(
                &fault_source,
                send_grant,
                endpoints.fault_badge,
            )?;
            abi::FAULT_ENDPOINT_SLOT
        };
        #[cfg(sel4_mcs)]
        let fault_ep = {
            let own = objects.alloc_slot()?;
            if let Err(e) = objects
                .slot(own)
                .mint(&fault_source, send_grant, endpoints.fault_badge)
            {
                objects.free_slot(own);
                return Err(e.into());
            }
            self.slots.push(own);
            own
        };

        // Thread.
        self.tcb = self.allocate(objects, ObjectType::Tcb, 0)?;
        self.tcb.set_space(
            fault_ep,
            self.cnode,
            0,
            (sel4::WORD_BITS - bits) as Word,
            self.vspace,
        )?;
        self.tcb.set_ipc_buffer(ipc_vaddr, ipc_frame)?;
        #[cfg(not(sel4_mcs))]
        self.tcb.set_priority(config.authority, config.priority)?;
        #[cfg(sel4_mcs)]
        {
            let sc: cap::SchedContext = self.allocate(objects, ObjectType::SchedContext, 0)?;
            let (budget, period) = config.budget;
            objects
                .sched_control()
                .configure(sc, sel4::SchedParams::new(budget, period))?;
            self.tcb
                .set_sched_params(config.authority, 0, config.priority, sc, fault_ep)?;
        }
        Ok(())
    }

    /// Backs every page the segments cover with a frame holding their bytes.
    fn load_segments(
        &mut self,
        objects: &mut ObjectAllocator,
        image: &Image<'_>,
        config: &Config,
    ) -> Result<(), LoadError> {
        for page in image.pages() {
            let frame = self.frame(objects)?;
            let writable = {
                let frames = [frame];
                let mut temp = TempMapping::new(objects, &frames, config.temp_vaddr)?;
                Self::fill_image_page(temp.bytes(), image, page)
            };
            let rights = if writable {
                CapRights::read_write()
            } else {
                CapRights::read_only()
            };
            objects.map_frame(self.vspace, frame, page, rights)?;
            if writable {
                self.keep(objects, config, frame, page, Initial::Image)?;
            }
        }
        Ok(())
    }

    /// Builds the TLS block in `frames` (mapped at `temp_vaddr` meanwhile)
    /// for a child that sees it at `tls_vaddr`; returns the child's thread
    /// pointer.
    fn fill_tls(
        objects: &mut ObjectAllocator,
        image: &Image<'_>,
        frames: &[cap::Frame],
        temp_vaddr: usize,
        tls_vaddr: usize,
        ipc_vaddr: usize,
    ) -> Result<usize, LoadError> {
        let tls = image.tls_image();
        let mut temp = TempMapping::new(objects, frames, temp_vaddr)?;
        let block = temp.bytes();
        block.fill(0);
        // SAFETY: `block` spans the TLS pages (>= the block layout's size)
        // and starts on a page boundary, which satisfies the layout's
        // alignment (at most a page, checked by Image::parse).
        let tcb = unsafe { tls.init_block(block.as_mut_ptr(), ipc_vaddr as *mut _) };
        // The block was built at the temporary address: point the control
        // block's self pointer at where the child sees it.
        let thread_pointer = tls_vaddr + (tcb as usize - block.as_ptr() as usize);
        // SAFETY: init_block returned a pointer to the initialised control
        // block inside the mapped window.
        unsafe { (*tcb).self_ptr = thread_pointer as *mut ThreadControlBlock };
        Ok(thread_pointer)
    }

    /// Fills one page with the image's bytes for the page at `page`.
    fn fill_image_page(bytes: &mut [u8], image: &Image<'_>, page: usize) -> bool {
        let page_end = page + PAGE_SIZE;
        let mut writable = false;
        bytes.fill(0);
        for s in image.segments.iter().filter(|s| s.overlaps(page)) {
            writable |= s.writable;
            // The part of the segment's file bytes inside this page.
            let from = s.vaddr.max(page);
            let to = (s.vaddr + s.file.len()).min(page_end);
            if from < to {
                bytes[from - page..to - page]
                    .copy_from_slice(&s.file[from - s.vaddr..to - s.vaddr]);
            }
        }
        writable
    }

    /// For a restartable child, keeps a second capability to `frame`.
    fn keep(
        &mut self,
        objects: &mut ObjectAllocator,
        config: &Config,
        frame: cap::Frame,
        vaddr: usize,
        initial: Initial,
    ) -> Result<(), LoadError> {
        if !config.restartable {
            return Ok(());
        }
        let slot = objects.alloc_slot()?;
        if let Err(e) = objects
            .slot(slot)
            .copy(&objects.slot(frame.cptr()), CapRights::all())
        {
            objects.free_slot(slot);
            return Err(e.into());
        }
        self.slots.push(slot);
        self.restore
            .push((sel4::Cap::from_cptr(slot), vaddr, initial));
        Ok(())
    }

    /// Restarts a child loaded with [`Config::restartable`] from its
    /// initial state: stops its thread (`seL4_TCB_Suspend`, which also
    /// abandons a fault it waits to have answered), writes every writable
    /// page again from `image` (the read-only copy the parent keeps: data
    /// and `.bss`, so a heap inside the image too), zeroes its stack and IPC
    /// buffer, builds its TLS block again, and starts it at its entry point.
    /// Its address space, CSpace and every capability in it stay as they
    /// are. `image` must be the one it was loaded from.
    pub fn restart(
        &self,
        objects: &mut ObjectAllocator,
        image: &Image<'_>,
    ) -> Result<(), LoadError> {
        if self.restore.is_empty() {
            return Err(LoadError::Config("the child was not loaded restartable"));
        }
        if image.entry != self.entry || image.range() != self.image {
            return Err(LoadError::Config("not the image the child was loaded from"));
        }
        self.suspend()?;
        let tls: Vec<cap::Frame> = self
            .restore
            .iter()
            .filter(|r| matches!(r.2, Initial::Tls(_)))
            .map(|r| r.0)
            .collect();
        for &(frame, vaddr, initial) in &self.restore {
            match initial {
                Initial::Image => {
                    let frames = [frame];
                    let mut temp = TempMapping::new(objects, &frames, self.temp_vaddr)?;
                    Self::fill_image_page(temp.bytes(), image, vaddr);
                }
                Initial::Zero => {
                    let frames = [frame];
                    TempMapping::new(objects, &frames, self.temp_vaddr)?
                        .bytes()
                        .fill(0);
                }
                Initial::Tls(_) => {}
            }
        }
        let tp = Self::fill_tls(
            objects,
            image,
            &tls,
            self.temp_vaddr,
            self.tls_vaddr,
            self.ipc_vaddr,
        )?;
        if tp != self.thread_pointer {
            return Err(LoadError::Config("the TLS block moved"));
        }
        self.start()
    }

    /// Starts the thread: writes its registers and resumes it
    /// (`seL4_TCB_WriteRegisters` with `resume` set).
    pub fn start(&self) -> Result<(), LoadError> {
        // SAFETY: seL4_UserContext is plain data; all-zero is valid.
        let mut regs: sel4::UserContext = unsafe { core::mem::zeroed() };
        regs.rip = self.entry as Word;
        // Entered like a call: the return-address slot is below the 16-byte
        // aligned stack top (and holds 0, as the stack frames are zeroed).
        regs.rsp = (self.stack_top - 8) as Word;
        regs.rdi = self.thread_pointer as Word;
        regs.rsi = self.console as Word;
        regs.rflags = 0x200; // interrupts enabled; the kernel sanitises the rest
        #[cfg(not(sel4_tls_self))]
        {
            regs.tls_base = self.thread_pointer as Word;
        }
        Ok(self.tcb.write_registers(true, &regs)?)
    }

    /// Interprets a message received on the parent's endpoint with `badge`;
    /// `msg` are the receiver's message registers (e.g.
    /// `sel4::IpcBuffer::msg_regs`). `None` if the badge is not this child's.
    ///
    /// A message on the fault badge is decoded with [`sel4::Fault::new`]; one
    /// that is not a fault message (the child can send on its fault endpoint
    /// capability too) is reported as an unknown fault
    /// ([`sel4::Fault::Other`]).
    pub fn event(&self, info: MessageInfo, badge: Word, msg: &[Word]) -> Option<Event> {
        if badge == self.fault_badge {
            let fault = Fault::new(info, msg).unwrap_or(Fault::Other {
                label: info.label(),
                length: info.length(),
            });
            Some(Event::Fault(fault))
        } else if badge == self.badge {
            match msg.first() {
                Some(&status) if info.label() == abi::EXIT_LABEL && info.length() >= 1 => {
                    Some(Event::Exit(status))
                }
                _ => Some(Event::Message(info)),
            }
        } else {
            None
        }
    }

    /// The child's thread.
    pub fn tcb(&self) -> cap::Tcb {
        self.tcb
    }

    /// The child's address space root.
    pub fn vspace(&self) -> cap::VSpace {
        self.vspace
    }

    /// The child's CSpace root.
    pub fn cnode(&self) -> cap::CNode {
        self.cnode
    }

    /// Slot `slot` of the child's CNode, addressed from the parent
    /// ([`child_slot`] of [`Child::cnode`]).
    pub fn slot(&self, slot: CPtr) -> AbsoluteCPtr {
        child_slot(self.cnode, slot)
    }

    /// The badge of the child's endpoint capability.
    pub fn badge(&self) -> Word {
        self.badge
    }

    /// The page-aligned range of the child's address space its image occupies.
    pub fn image_range(&self) -> core::ops::Range<usize> {
        self.image.clone()
    }

    /// The top of the child's stack.
    pub fn stack_top(&self) -> usize {
        self.stack_top
    }

    /// The unmapped page below the child's stack: a fault there is a stack
    /// overflow.
    pub fn stack_guard(&self) -> core::ops::Range<usize> {
        self.stack_bottom - PAGE_SIZE..self.stack_bottom
    }

    /// The child's thread pointer (address of its thread control block).
    pub fn thread_pointer(&self) -> usize {
        self.thread_pointer
    }

    /// Stops the child's thread (`seL4_TCB_Suspend`).
    pub fn suspend(&self) -> Result<(), LoadError> {
        Ok(self.tcb.suspend()?)
    }

    /// Stops the child and deletes the capabilities the loader created for
    /// it, TCB first (`seL4_CNode_Delete`), returning their slots to
    /// `objects`. See the crate documentation for what is not reclaimed.
    pub fn destroy(mut self, objects: &mut ObjectAllocator) -> Result<(), LoadError> {
        self.suspend()?;
        let tcb = self.tcb.cptr();
        self.slots.retain(|&s| s != tcb);
        objects.delete(tcb)?;
        self.delete_caps(objects);
        Ok(())
    }

    /// Deletes the recorded capabilities, last created first.
    fn delete_caps(&mut self, objects: &mut ObjectAllocator) {
        while let Some(slot) = self.slots.pop() {
            // A slot whose capability cannot be deleted is not reused.
            let _ = objects.delete(slot);
        }
    }
}

// Host tests of the parts that need no kernel: ELF checks and the layout
// arithmetic, including a deterministic fuzz of the parser.
#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec;

    /// This test binary links `substrate-rt` (through `substrate-component`),
    /// whose `_Unwind_Resume` stub (an invalid instruction) takes precedence
    /// over the host's unwinder, so a failing assertion cannot unwind to the
    /// test harness. Report it on stderr directly (the harness captures only
    /// `print!`-style output) and abort, so the failure is readable.
    fn report_panics_directly() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            std::panic::set_hook(std::boxed::Box::new(|info| {
                use std::io::Write;
                let _ = writeln!(std::io::stderr(), "{info}");
                std::process::abort();
            }))
        });
    }

    const PT_LOAD: u32 = elf_abi::PT_LOAD;
    const PT_TLS: u32 = elf_abi::PT_TLS;

    /// A program header: (type, flags, file offset, vaddr, file size, mem size, align).
    type Ph = (u32, u32, u64, u64, u64, u64, u64);

    /// A little-endian ELF64 x86_64 executable with these program headers,
    /// followed by `payload` bytes (at file offset 0x1000).
    fn elf(entry: u64, phs: &[Ph], payload: usize) -> Vec<u8> {
        report_panics_directly();
        let mut f = vec![0u8; 0x1000 + payload];
        f[..4].copy_from_slice(b"\x7fELF");
        f[4] = 2; // ELFCLASS64
        f[5] = 1; // little-endian
        f[6] = 1; // EV_CURRENT
        let put16 =
            |f: &mut Vec<u8>, at: usize, v: u16| f[at..at + 2].copy_from_slice(&v.to_le_bytes());
        let put32 =
            |f: &mut Vec<u8>, at: usize, v: u32| f[at..at + 4].copy_from_slice(&v.to_le_bytes());
        let put64 =
            |f: &mut Vec<u8>, at: usize, v: u64| f[at..at + 8].copy_from_slice(&v.to_le_bytes());
        put16(&mut f, 16, elf_abi::ET_EXEC);
        put16(&mut f, 18, elf_abi::EM_X86_64);
        put32(&mut f, 20, 1);
        put64(&mut f, 24, entry);
        put64(&mut f, 32, 64); // e_phoff
        put16(&mut f, 52, 64); // e_ehsize
        put16(&mut f, 54, 56); // e_phentsize
        put16(&mut f, 56, phs.len() as u16);
        for (i, &(ty, flags, off, vaddr, filesz, memsz, align)) in phs.iter().enumerate() {
            let at = 64 + i * 56;
            put32(&mut f, at, ty);
            put32(&mut f, at + 4, flags);
            put64(&mut f, at + 8, off);
            put64(&mut f, at + 16, vaddr);
            put64(&mut f, at + 24, vaddr);
            put64(&mut f, at + 32, filesz);
            put64(&mut f, at + 40, memsz);
            put64(&mut f, at + 48, align);
        }
        f
    }

    fn text(vaddr: u64, size: u64) -> Ph {
        (
            PT_LOAD,
            elf_abi::PF_R | elf_abi::PF_X,
            0x1000,
            vaddr,
            size,
            size,
            0x1000,
        )
    }

    #[test]
    fn a_plain_image_parses() {
        let f = elf(0x40_1000, &[text(0x40_1000, 0x100)], 0x100);
        let image = Image::parse(&f).unwrap();
        assert_eq!(image.entry(), 0x40_1000);
        assert_eq!(image.range(), 0x40_1000..0x40_2000);
        assert_eq!(image.pages().collect::<Vec<_>>(), [0x40_1000]);
    }

    #[test]
    fn malformed_images_are_errors() {
        let bad: &[(&str, Vec<u8>)] = &[
            (
                "entry outside",
                elf(0x50_0000, &[text(0x40_1000, 0x100)], 0x100),
            ),
            ("page 0", elf(0x10, &[text(0, 0x100)], 0x100)),
            (
                "kernel half",
                elf(
                    0xffff_8000_0000_1000,
                    &[text(0xffff_8000_0000_1000, 0x100)],
                    0x100,
                ),
            ),
            (
                "wraps",
                elf(
                    0x40_1000,
                    &[
                        text(0x40_1000, 0x100),
                        (PT_LOAD, 0, 0x1000, 0x40_1000, 0, u64::MAX, 0),
                    ],
                    0x100,
                ),
            ),
            ("no load", elf(0x40_1000, &[], 0)),
            (
                "file past end",
                elf(
                    0x40_1000,
                    &[(PT_LOAD, 0, 0x1000, 0x40_1000, 0x200, 0x200, 0)],
                    0x100,
                ),
            ),
            (
                "filesz > memsz",
                elf(
                    0x40_1000,
                    &[(PT_LOAD, 0, 0x1000, 0x40_1000, 0x100, 0x10, 0)],
                    0x100,
                ),
            ),
            (
                "tls align",
                elf(
                    0x40_1000,
                    &[
                        text(0x40_1000, 0x100),
                        (PT_TLS, 0, 0x1000, 0x40_1000, 0, 8, 3),
                    ],
                    0x100,
                ),
            ),
        ];
        for (what, f) in bad {
            assert!(Image::parse(f).is_err(), "{what} accepted");
        }
    }

    /// A `PT_TLS` segment with a huge memory size used to pass the checks and
    /// then overflow `TlsImage::block_layout` (a panic in the loader).
    #[test]
    fn a_huge_tls_segment_is_an_error_not_a_panic() {
        for memsz in [u64::MAX, 1 << 63, (1 << 63) - 8, 1 << 48] {
            let f = elf(
                0x40_1000,
                &[
                    text(0x40_1000, 0x100),
                    (PT_TLS, 0, 0x1000, 0x40_1000, 0, memsz, 8),
                ],
                0x100,
            );
            assert_eq!(
                Image::parse(&f).map(|_| ()),
                Err(LoadError::Elf("TLS segment larger than the address space")),
                "memsz {memsz:#x}"
            );
        }
    }

    /// Two segments 64 TiB apart: the page walk visits their two pages, not
    /// the 2^34 pages between them (which took hours, frame-less).
    #[test]
    fn a_sparse_image_walks_only_its_pages() {
        let high: usize = 0x4000_0000_0000;
        let f = elf(
            0x40_1000,
            &[
                text(0x40_1000, 0x100),
                (
                    PT_LOAD,
                    elf_abi::PF_R | elf_abi::PF_W,
                    0x1000,
                    high as u64 + 0x10,
                    0x10,
                    0x2000,
                    0,
                ),
            ],
            0x100,
        );
        let image = Image::parse(&f).unwrap();
        assert_eq!(
            image.pages().collect::<Vec<_>>(),
            [0x40_1000, high, high + 0x1000, high + 0x2000]
        );
    }

    /// Overlapping segments share pages; each page is visited once.
    #[test]
    fn overlapping_segments_visit_each_page_once() {
        let f = elf(
            0x40_1000,
            &[
                text(0x40_1000, 0x1800),
                text(0x40_1800, 0x1800),
                text(0x40_0010, 0x10),
            ],
            0x1800,
        );
        let image = Image::parse(&f).unwrap();
        assert_eq!(
            image.pages().collect::<Vec<_>>(),
            [0x40_0000, 0x40_1000, 0x40_2000]
        );
    }

    /// A stack size near `usize::MAX` used to overflow the region arithmetic
    /// (a panic in debug builds, a wrapped layout in release builds).
    #[test]
    fn a_huge_stack_is_an_error_not_a_panic() {
        report_panics_directly();
        for stack in [usize::MAX, usize::MAX - PAGE_SIZE, 1 << 63, USER_TOP] {
            assert!(
                RuntimeRegion::new(0x50_0000, stack, 64).is_err(),
                "{stack:#x}"
            );
        }
        assert!(RuntimeRegion::new(USER_TOP - PAGE_SIZE, 0, 64).is_err());
        let r = RuntimeRegion::new(0x50_0000, 0x10000, 64 + 56).unwrap();
        assert_eq!(r.stack_bottom, 0x50_1000);
        assert_eq!(r.stack_top, 0x51_1000);
        assert_eq!(r.ipc_vaddr, 0x51_1000);
        assert_eq!(r.tls_vaddr, 0x51_2000);
        assert_eq!((r.stack_pages, r.tls_pages), (16, 1));
    }

    /// Random mutations of a valid image's headers never panic the parser,
    /// and whatever it accepts is loadable: segments inside the user address
    /// space above page 0, a computable TLS layout, and a page walk that
    /// visits at most the pages its segments cover.
    #[test]
    fn fuzzed_headers_never_panic() {
        let base = elf(
            0x40_1000,
            &[
                text(0x40_1000, 0x800),
                (
                    PT_LOAD,
                    elf_abi::PF_R | elf_abi::PF_W,
                    0x1800,
                    0x40_2000,
                    0x100,
                    0x3000,
                    0x1000,
                ),
                (PT_TLS, elf_abi::PF_R, 0x1800, 0x40_2000, 0x10, 0x40, 16),
            ],
            0x1000,
        );
        // Interesting values for a 64-bit field; random bytes otherwise.
        let specials: [u64; 10] = [
            0,
            1,
            0xfff,
            0x1000,
            0x40_1000,
            USER_TOP as u64 - 1,
            USER_TOP as u64,
            1 << 63,
            u64::MAX - 0xfff,
            u64::MAX,
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut accepted = 0;
        for _ in 0..20_000 {
            let mut f = base.clone();
            for _ in 0..1 + rand() % 4 {
                // Mostly the program headers (64..64 + 3 * 56) and e_entry.
                let at = match rand() % 4 {
                    0 => 24,
                    _ => 64 + (rand() % (3 * 56 / 8)) as usize * 8,
                };
                let v = if rand() % 2 == 0 {
                    specials[(rand() % specials.len() as u64) as usize]
                } else {
                    rand() >> (rand() % 64)
                };
                f[at..at + 8].copy_from_slice(&v.to_le_bytes());
            }
            let Ok(image) = Image::parse(&f) else {
                continue;
            };
            accepted += 1;
            for s in &image.segments {
                assert!(s.vaddr >= PAGE_SIZE && s.end() <= USER_TOP && s.file.len() <= s.mem_size);
            }
            assert!(image.range().contains(&image.entry()));
            let layout = image.tls_image().block_layout();
            let _ = RuntimeRegion::new(image.end, DEFAULT_STACK_SIZE, layout.size());
            let covered: usize = image
                .segments
                .iter()
                .map(|s| {
                    (s.end().next_multiple_of(PAGE_SIZE) - (s.vaddr & !(PAGE_SIZE - 1))) / PAGE_SIZE
                })
                .sum();
            if covered < 1 << 16 {
                assert!(image.pages().count() <= covered);
            }
        }
        assert!(
            accepted > 100,
            "the fuzz mostly hit the early checks: {accepted}"
        );
    }
}
