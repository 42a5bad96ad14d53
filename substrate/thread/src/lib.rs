//! Threads in the current address space.
//!
//! ```ignore
//! let mut objects = ObjectAllocator::new(bootinfo);
//! let handle = substrate_thread::spawn(&mut objects, || 6 * 7)?;
//! assert_eq!(handle.join(), Ok(42));
//! ```
//!
//! [`spawn`] (or a [`Builder`] for stack size, priority and name) runs a
//! closure on a new seL4 thread that shares the caller's CSpace and VSpace.
//! Each thread gets, from the [`ObjectAllocator`]:
//!
//! * a TCB (`seL4_TCBObject`, retyped from untyped memory), configured with
//!   `seL4_TCB_SetSpace`, `seL4_TCB_SetIPCBuffer`, `seL4_TCB_SetMCPriority`
//!   and `seL4_TCB_SetPriority`, named with `seL4_DebugNameThread` when the
//!   kernel has it, and started with `seL4_TCB_WriteRegisters` (resume) on
//!   the registers `substrate_rt::arch::continuation_context` computes, which
//!   also set the thread pointer the way the kernel allows;
//! * a stack of 4 KiB frames mapped in [`THREAD_REGION`], with an unmapped
//!   guard page right below it: a stack overflow faults there (reported by
//!   [`JoinHandle::join`]) instead of overwriting other memory. A stack of
//!   2 MiB or more ([`LARGE_STACK_FRAME`]; deep recursion, as OCaml's) is
//!   mapped in 2 MiB frames instead, one capability slot per 2 MiB, with
//!   2 MiB - 4 KiB of unmapped guard below it;
//! * an IPC buffer frame of its own, mapped below the guard page;
//! * a TLS block (`substrate-tls`) on the heap whose control block holds the
//!   IPC buffer pointer and this crate's per-thread data ([`current`]);
//! * an endpoint that is both the thread's fault endpoint and the way it
//!   reports completion;
//! * on MCS kernels (`cfg(sel4_mcs)`) a scheduling context
//!   (`seL4_SchedContextObject`), configured through the first core's
//!   scheduling control (`ObjectAllocator::sched_control`) with the
//!   [`Builder`]'s budget and period ([`DEFAULT_BUDGET_US`] of every
//!   [`DEFAULT_PERIOD_US`] unless it says otherwise) and bound with
//!   `seL4_TCB_SetSchedParams`, and a reply object (`seL4_ReplyObject`) for
//!   the calls the thread receives ([`reply()`]).
//!
//! # Joining and faults
//!
//! When the closure returns, its result is stored in a heap slot shared with
//! the [`JoinHandle`], and the thread sends an ordinary message (label 0) on
//! its endpoint, then suspends itself. If the thread faults instead, the
//! kernel sends a fault message on the same endpoint (label = fault type,
//! never 0). [`JoinHandle::join`] waits with `seL4_Recv` on the endpoint and
//! tells the two apart, returning `Ok(result)` or
//! [`JoinError::Faulted`] with the decoded [`sel4::Fault`]; the faulted
//! thread is suspended, everyone else carries on.
//!
//! One endpoint carries both because a thread blocked on a notification
//! cannot also receive the kernel's fault message (only an endpoint can be a
//! fault endpoint), so waiting for completion on a notification would leave
//! a fault unreported.
//!
//! # What a thread costs, and reuse
//!
//! Per thread with a stack of `S` bytes (rounded up to whole pages):
//!
//! | resource | amount (x86_64) |
//! |---|---|
//! | untyped memory | a TCB (`1 << seL4_TCBBits`, 2 KiB), an endpoint (16 bytes), `S` for the stack, 4 KiB for the IPC buffer, plus a page table (4 KiB) for every 2 MiB of [`THREAD_REGION`] used (and a page directory per GiB); on MCS kernels also a scheduling context (`1 << seL4_MinSchedContextBits`) and a reply object (`1 << seL4_ReplyBits`) |
//! | CNode slots | 3 + `S / 4 KiB`, or 3 + `S / 2 MiB` for a stack of 2 MiB or more (+ one per paging structure created; + 2 on MCS kernels) |
//! | virtual address space | `S` + 8 KiB (IPC buffer page and guard page), or `S` + 2 MiB for a stack of 2 MiB or more |
//! | heap | the TLS block (the image's TLS size plus a 56-byte control block), a small per-thread record, the boxed closure and the result slot |
//!
//! seL4 returns memory to an untyped region only when the whole region is
//! revoked, so none of this goes back to the allocator. Instead, joining a
//! thread (after completion or a fault) suspends it and keeps its TCB,
//! endpoint, frames, mappings and TLS block in a pool; the next spawn with
//! the same stack size and the same VSpace ([`Builder::vspace`]) reuses them,
//! allocating nothing from the [`ObjectAllocator`]. A thread whose
//! [`JoinHandle`] is dropped without joining is detached: it runs to
//! completion, then stays suspended, and its resources are never reused.
//!
//! # Failures take nothing
//!
//! A spawn that fails returns an error and keeps nothing: every heap
//! allocation is fallible ([`SpawnError::OutOfHeap`], never the alloc-error
//! handler) and made before anything is taken from the [`ObjectAllocator`]
//! or [`THREAD_REGION`]; if creating the objects fails half-way, the
//! capabilities made so far are deleted (their slots go back to the
//! allocator) and the thread's part of [`THREAD_REGION`] is given back for
//! the next spawn. Only paging structures the mappings created stay: they
//! serve the next thread mapped there.
//!
//! # Priorities
//!
//! Threads run at [`DEFAULT_PRIORITY`] (`seL4_MaxPrio - 1`, the priority the
//! root-task runtime gives `main` on seL4 5.0) unless the [`Builder`] says
//! otherwise; each thread's maximum controlled priority is set to its
//! priority so it can spawn threads up to its own priority. On kernels whose
//! `SetPriority` takes an authority TCB (`sel4_has =
//! "TCB_SetPriority.authority"`) the authority is the initial thread's TCB
//! unless [`Builder::authority`] names another; seL4 5.0 checks the calling
//! thread's own maximum controlled priority instead.
//!
//! On MCS kernels `seL4_TCB_SetSchedParams` sets the maximum controlled
//! priority, the priority, the scheduling context and the fault endpoint at
//! once; a thread whose budget is shorter than its period is throttled once
//! it has used its budget, until the next period.
//!
//! # Limits
//!
//! * A panic in any thread ends the whole system (`substrate-panic`).
//! * The heap's lock spins: keep threads that allocate at equal priorities.
#![no_std]

extern crate alloc;

use alloc::alloc::{alloc, dealloc, Layout};
use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::fmt;
use core::marker::PhantomData;
use core::ops::Range;
use core::ptr::NonNull;
use core::sync::atomic::{fence, AtomicU64, AtomicUsize, Ordering};
use sel4::{cap, sys, CPtr, CapRights, Fault, FrameSize, MessageInfo, ObjectType, Word};
use sel4_object_allocator::{AllocError, ObjectAllocator};
use substrate_sync::Mutex;
use substrate_tls::TlsImage;

/// Bytes in a page (`1 << seL4_PageBits`).
const PAGE_SIZE: usize = 1 << sys::seL4_PageBits;

/// Bytes in a large page (`1 << seL4_LargePageBits`): stacks of at least
/// this size are mapped in frames of this size (see [`Builder::stack_size`]).
pub const LARGE_STACK_FRAME: usize = 1 << sys::seL4_LargePageBits;

/// Stack size of a thread when the [`Builder`] names none: 64 KiB.
pub const DEFAULT_STACK_SIZE: usize = 64 * 1024;

/// Priority of a thread when the [`Builder`] names none: `seL4_MaxPrio - 1`.
pub const DEFAULT_PRIORITY: u8 = (sys::seL4_MaxPrio - 1) as u8;

/// CPU time per period of a thread's scheduling context on MCS kernels when
/// the [`Builder`] names none: 10 ms.
pub const DEFAULT_BUDGET_US: u64 = 10_000;

/// Period of a thread's scheduling context on MCS kernels when the
/// [`Builder`] names none: 10 ms, the budget, so threads of one priority
/// take turns in 10 ms slices as on a non-MCS kernel and none is throttled.
pub const DEFAULT_PERIOD_US: u64 = DEFAULT_BUDGET_US;

/// The virtual address range thread stacks and IPC buffers are mapped in
/// (1 GiB to 2 GiB). Each thread takes `stack size + 8 KiB` of it: its IPC
/// buffer page, an unmapped guard page, then the stack.
///
/// The range lies below 4 GiB because seL4 5.0 on x86_64 reports only the
/// low 32 bits of a VM fault's address (`handleVMFault` keeps it in a
/// `uint32_t`): down here a stack overflow is still reported at its exact
/// guard-page address.
pub const THREAD_REGION: Range<usize> = 0x4000_0000..0x8000_0000;

static REGIONS: Mutex<Regions> = Mutex::new(Regions {
    next: THREAD_REGION.start,
    returned: [const { 0..0 }; RETURNED_RANGES],
});
static NEXT_ID: AtomicU64 = AtomicU64::new(1);
/// Resources of joined threads, ready for reuse.
static POOL: Mutex<Pool> = Mutex::new(Pool {
    free: Vec::new(),
    owned: 0,
});

/// Why a thread could not be spawned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpawnError {
    /// The object allocator ran out of untyped memory or CNode slots, or the
    /// kernel refused a retype or mapping.
    Alloc(AllocError),
    /// The kernel refused to configure or start the TCB.
    Kernel(sel4::Error),
    /// The heap has no room for the thread's TLS block or bookkeeping.
    OutOfHeap,
    /// [`THREAD_REGION`] has no room for another stack of this size.
    OutOfAddressSpace,
    /// The kernel configuration is not supported.
    Unsupported,
}

impl From<AllocError> for SpawnError {
    fn from(e: AllocError) -> Self {
        SpawnError::Alloc(e)
    }
}

impl From<sel4::Error> for SpawnError {
    fn from(e: sel4::Error) -> Self {
        SpawnError::Kernel(e)
    }
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::Alloc(e) => write!(f, "cannot allocate the thread's objects: {e}"),
            SpawnError::Kernel(e) => write!(f, "cannot configure the thread: {e}"),
            SpawnError::OutOfHeap => {
                f.write_str("no heap for the thread's TLS block or bookkeeping")
            }
            SpawnError::OutOfAddressSpace => f.write_str("thread stack region exhausted"),
            SpawnError::Unsupported => f.write_str("threads are not supported on this kernel"),
        }
    }
}

/// How a joined thread ended other than by returning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinError {
    /// The thread faulted; the kernel's fault message, decoded. The thread
    /// was suspended.
    Faulted(Fault),
    /// The thread reported completion but left no result (only possible if
    /// something else sent on its endpoint).
    NoResult,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Faulted(fault) => write!(f, "thread faulted: {fault}"),
            JoinError::NoResult => f.write_str("thread ended without a result"),
        }
    }
}

/// A thread's identity: a number unique in this component and its TCB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thread {
    id: u64,
    tcb: cap::Tcb,
}

impl Thread {
    /// The thread's number (1 for the first spawned thread, and so on).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The thread's TCB capability.
    pub fn tcb(&self) -> cap::Tcb {
        self.tcb
    }
}

/// What the thread control block's per-thread data pointer points to on
/// threads this crate starts.
struct ThreadData {
    thread: Thread,
    /// The stack, lowest address to top.
    stack: Range<usize>,
    /// The unmapped guard below it.
    guard: Range<usize>,
}

/// The calling thread, if this crate started it (`None` on `main`). Read
/// from the per-thread data pointer of the thread control block
/// (`substrate_tls::thread_data`), which this crate owns on its threads.
pub fn current() -> Option<Thread> {
    let p = substrate_tls::thread_data() as *const ThreadData;
    if p.is_null() {
        None
    } else {
        // SAFETY: on threads started here the pointer is the thread's own
        // ThreadData, alive as long as the thread runs; elsewhere it is null.
        Some(unsafe { (*p).thread })
    }
}

/// The calling thread's stack (lowest address to top) and the unmapped
/// guard range right below it, if this crate started the thread (`None` on
/// `main`): what a C library reports as the thread's stack
/// (`pthread_getattr_np`).
pub fn current_stack() -> Option<(Range<usize>, Range<usize>)> {
    let p = substrate_tls::thread_data() as *const ThreadData;
    if p.is_null() {
        None
    } else {
        // SAFETY: as in `current`.
        Some(unsafe { ((*p).stack.clone(), (*p).guard.clone()) })
    }
}

/// Moves `value` into a new heap box, or returns [`SpawnError::OutOfHeap`]
/// (dropping `value`) when the heap has no room. `Box::try_new` is not
/// stable, so the box is allocated by hand with `T`'s layout, which is what
/// `Box` itself uses.
fn try_box<T>(value: T) -> Result<Box<T>, SpawnError> {
    let layout = Layout::new::<T>();
    if layout.size() == 0 {
        // A zero-sized box allocates nothing.
        return Ok(Box::new(value));
    }
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { alloc(layout) } as *mut T;
    if p.is_null() {
        return Err(SpawnError::OutOfHeap);
    }
    // SAFETY: `p` was allocated by the global allocator with `T`'s layout,
    // as `Box::from_raw` requires, and is initialised by the write.
    unsafe {
        p.write(value);
        Ok(Box::from_raw(p))
    }
}

/// A thread's TLS block on the heap, freed when dropped (only on a spawn
/// that failed: the blocks of threads that ran stay with their resources).
struct TlsBlock(NonNull<u8>);

impl TlsBlock {
    fn new() -> Result<TlsBlock, SpawnError> {
        // SAFETY: the layout is non-zero in size (it holds the control block).
        let p = unsafe { alloc(tls_layout()) };
        NonNull::new(p).map(TlsBlock).ok_or(SpawnError::OutOfHeap)
    }
}

impl Drop for TlsBlock {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with the same (the image's) layout.
        unsafe { dealloc(self.0.as_ptr(), tls_layout()) }
    }
}

/// Everything a thread runs on, kept for reuse after it is joined.
struct Resources {
    objs: Objects,
    /// The VSpace the stack and IPC buffer are mapped in.
    vspace: cap::VSpace,
    /// Start of the thread's part of [`THREAD_REGION`]: the IPC buffer page.
    base: usize,
    stack_size: usize,
    tls_block: TlsBlock,
    data: Box<ThreadData>,
}

// SAFETY: the TLS block pointer is owned by this value; moving it between
// threads moves that ownership.
unsafe impl Send for Resources {}

/// Joined threads' resources, and room to take back every thread's.
///
/// Invariant: `free.len() <= owned <= free.capacity()`, where `owned`
/// counts the resources that exist and may come back (pooled, or on a
/// thread that will be joined). Room is reserved (fallibly) when resources
/// are created, so putting them back never allocates: a join or a failed
/// spawn cannot run out of heap.
struct Pool {
    free: Vec<Resources>,
    owned: usize,
}

impl Pool {
    /// Makes room for one more thread's resources and counts them as owned.
    fn reserve_one(&mut self) -> Result<(), SpawnError> {
        let additional = self.owned + 1 - self.free.len();
        self.free
            .try_reserve(additional)
            .map_err(|_| SpawnError::OutOfHeap)?;
        self.owned += 1;
        Ok(())
    }

    /// Resources counted by `reserve_one` will not come back (never made,
    /// or kept by a detached thread).
    fn forget_one(&mut self) {
        self.owned -= 1;
    }

    /// Takes back resources nothing runs on. Never allocates: the capacity
    /// covers every owned resource (see the invariant).
    fn put(&mut self, res: Resources) {
        debug_assert!(self.free.len() < self.free.capacity());
        self.free.push(res);
    }
}

/// Slots for ranges given back out of order (a spawn failing while another
/// thread's range lies above its own). More at once are lost.
const RETURNED_RANGES: usize = 8;

/// Hands out parts of [`THREAD_REGION`]: from the top of what was used so
/// far, or from ranges failed spawns gave back.
struct Regions {
    next: usize,
    /// Given-back ranges (`0..0` = none).
    returned: [Range<usize>; RETURNED_RANGES],
}

impl Regions {
    /// A range of `size` bytes whose start is a multiple of `align` (a
    /// power of two). For an aligned request, the part of a range skipped to
    /// align it is lost.
    fn reserve(&mut self, size: usize, align: usize) -> Result<usize, SpawnError> {
        let fits = |r: &Range<usize>| {
            let base = r.start.next_multiple_of(align);
            base.checked_add(size).is_some_and(|end| end <= r.end)
        };
        if let Some(r) = self.returned.iter_mut().find(|r| fits(r)) {
            let base = r.start.next_multiple_of(align);
            r.start = base + size;
            return Ok(base);
        }
        let base = self.next.next_multiple_of(align);
        let end = base
            .checked_add(size)
            .filter(|end| *end <= THREAD_REGION.end)
            .ok_or(SpawnError::OutOfAddressSpace)?;
        self.next = end;
        Ok(base)
    }

    fn give_back(&mut self, range: Range<usize>) {
        if range.end == self.next {
            self.next = range.start;
            // Ranges given back earlier may now end at the top too.
            while let Some(r) = self
                .returned
                .iter_mut()
                .find(|r| r.start < r.end && r.end == self.next)
            {
                self.next = r.start;
                *r = 0..0;
            }
        } else if let Some(r) = self.returned.iter_mut().find(|r| r.start >= r.end) {
            *r = range;
        }
    }
}

impl Resources {
    fn ipc_buffer(&self) -> usize {
        self.base
    }

    fn guard_page(&self) -> Range<usize> {
        self.base + PAGE_SIZE..self.stack_bottom()
    }

    /// The lowest address of the stack: after the IPC buffer page and the
    /// guard page, or for a stack of large frames at the next 2 MiB boundary.
    fn stack_bottom(&self) -> usize {
        self.base + layout(self.stack_size).0
    }

    fn stack_top(&self) -> usize {
        self.stack_bottom() + self.stack_size
    }

    /// Takes a pooled thread's resources with exactly this stack size, in
    /// this VSpace.
    fn pooled(stack_size: usize, vspace: cap::VSpace) -> Option<Resources> {
        let mut pool = POOL.lock();
        let i = pool
            .free
            .iter()
            .position(|r| r.stack_size == stack_size && r.vspace == vspace)?;
        Some(pool.free.swap_remove(i))
    }

    /// Creates a thread's objects and mappings. The heap is asked first
    /// (bookkeeping, TLS block, room in the pool), so running out of it
    /// takes nothing from the allocator or the region. On a later failure
    /// the capabilities made so far are deleted (their slots return to the
    /// allocator) and the region's range is given back.
    fn create(
        objects: &mut ObjectAllocator,
        vspace: cap::VSpace,
        stack_size: usize,
    ) -> Result<Resources, SpawnError> {
        let (below, frame_size) = layout(stack_size);
        let pages = stack_size / (1 << frame_size.bits());
        let mut made = Vec::new();
        // The TCB, the endpoint, the IPC buffer frame, the stack frames
        // and on MCS the scheduling context and the reply object: with this
        // capacity, pushing them never allocates.
        made.try_reserve_exact(5 + pages)
            .map_err(|_| SpawnError::OutOfHeap)?;
        let tls_block = TlsBlock::new()?;
        let data = try_box(ThreadData {
            thread: Thread {
                id: 0,
                tcb: cap::Tcb::from_cptr(0),
            },
            stack: 0..0,
            guard: 0..0,
        })?;
        POOL.lock().reserve_one()?;

        let size = below + stack_size;
        // Its own statement: the lock is released before `give_back` below.
        let region = REGIONS.lock().reserve(size, 1 << frame_size.bits());
        let made_objects = region.and_then(|base| {
            let r = Self::create_objects(objects, vspace, base, frame_size, pages, &mut made);
            if r.is_err() {
                for cptr in made.iter().rev() {
                    // Deleting a mapped frame's capability unmaps it.
                    let _ = objects.delete(*cptr);
                }
                REGIONS.lock().give_back(base..base + size);
            }
            r.map(|objs| (base, objs))
        });
        let (base, objs) = match made_objects {
            Ok(v) => v,
            Err(e) => {
                POOL.lock().forget_one();
                return Err(e);
            }
        };
        Ok(Resources {
            objs,
            vspace,
            base,
            stack_size,
            tls_block,
            data,
        })
    }

    fn create_objects(
        objects: &mut ObjectAllocator,
        vspace: cap::VSpace,
        base: usize,
        frame_size: FrameSize,
        pages: usize,
        made: &mut Vec<CPtr>,
    ) -> Result<Objects, SpawnError> {
        let tcb: cap::Tcb = objects.allocate(ObjectType::Tcb, 0)?;
        made.push(tcb.cptr());
        let endpoint: cap::Endpoint = objects.allocate(ObjectType::Endpoint, 0)?;
        made.push(endpoint.cptr());
        #[cfg(sel4_mcs)]
        let (sc, reply) = {
            let sc: cap::SchedContext = objects.allocate(ObjectType::SchedContext, 0)?;
            made.push(sc.cptr());
            let reply: cap::Reply = objects.allocate(ObjectType::Reply, 0)?;
            made.push(reply.cptr());
            (sc, reply)
        };
        let ipc_frame = map_new_page(objects, vspace, base, made)?;
        // From base + PAGE_SIZE to the stack stays unmapped: the guard.
        let (below, _) = layout(pages << frame_size.bits());
        for page in 0..pages {
            let vaddr = base + below + (page << frame_size.bits());
            map_new_frame(objects, vspace, vaddr, frame_size, made)?;
        }
        // CSpace root data 0 (guard size 0) keeps the root CNode capability's guard.
        tcb.set_space(endpoint.cptr(), objects.cnode(), 0, 0, vspace)?;
        tcb.set_ipc_buffer(base, ipc_frame)?;
        Ok(Objects {
            tcb,
            endpoint,
            #[cfg(sel4_mcs)]
            sc,
            #[cfg(sel4_mcs)]
            reply,
        })
    }
}

/// The kernel objects [`Resources::create_objects`] makes for a thread: its
/// TCB, its fault and completion endpoint and, on MCS kernels, its
/// scheduling context and reply object.
struct Objects {
    tcb: cap::Tcb,
    endpoint: cap::Endpoint,
    #[cfg(sel4_mcs)]
    sc: cap::SchedContext,
    #[cfg(sel4_mcs)]
    reply: cap::Reply,
}

fn tls_layout() -> Layout {
    TlsImage::current().block_layout()
}

/// Allocates a 4 KiB frame and maps it read-write at `vaddr`.
fn map_new_page(
    objects: &mut ObjectAllocator,
    vspace: cap::VSpace,
    vaddr: usize,
    made: &mut Vec<CPtr>,
) -> Result<cap::Frame, SpawnError> {
    map_new_frame(objects, vspace, vaddr, FrameSize::Small, made)
}

/// Retypes a frame of `size` and maps it read-write at `vaddr`, with the
/// paging structures it needs.
fn map_new_frame(
    objects: &mut ObjectAllocator,
    vspace: cap::VSpace,
    vaddr: usize,
    size: FrameSize,
    made: &mut Vec<CPtr>,
) -> Result<cap::Frame, SpawnError> {
    let frame: cap::Frame = objects.allocate(ObjectType::Frame(size), 0)?;
    made.push(frame.cptr());
    objects.map_frame_sized(vspace, frame, size, vaddr, CapRights::read_write())?;
    Ok(frame)
}

/// Where a stack of `stack_size` bytes (as [`Builder::spawn`] rounded it)
/// starts above its thread's base (the IPC buffer page), and the frames it
/// is mapped in: 4 KiB frames after the IPC buffer and one guard page, or,
/// from [`LARGE_STACK_FRAME`] on, 2 MiB frames from the next 2 MiB boundary
/// (the base is 2 MiB-aligned then).
fn layout(stack_size: usize) -> (usize, FrameSize) {
    if stack_size >= LARGE_STACK_FRAME {
        (LARGE_STACK_FRAME, FrameSize::Large)
    } else {
        (2 * PAGE_SIZE, FrameSize::Small)
    }
}

/// Configures a new thread: stack size, priority, name, address space.
#[derive(Debug, Clone)]
pub struct Builder {
    stack_size: usize,
    priority: u8,
    budget_us: u64,
    period_us: u64,
    name: Option<Cow<'static, str>>,
    authority: Option<cap::Tcb>,
    vspace: cap::VSpace,
}

impl Default for Builder {
    fn default() -> Self {
        Self::new()
    }
}

impl Builder {
    /// A builder with [`DEFAULT_STACK_SIZE`], [`DEFAULT_PRIORITY`], no name,
    /// and the initial thread's VSpace.
    pub fn new() -> Self {
        Self {
            stack_size: DEFAULT_STACK_SIZE,
            priority: DEFAULT_PRIORITY,
            budget_us: DEFAULT_BUDGET_US,
            period_us: DEFAULT_PERIOD_US,
            name: None,
            authority: None,
            vspace: sel4::init_thread::VSPACE,
        }
    }

    /// The stack size in bytes, rounded up to whole 4 KiB pages (at least
    /// one); from 2 MiB ([`LARGE_STACK_FRAME`]) on, rounded up to whole 2 MiB
    /// frames, which take one capability slot each instead of 512.
    pub fn stack_size(mut self, bytes: usize) -> Self {
        self.stack_size = bytes;
        self
    }

    /// The thread's priority (`seL4_TCB_SetPriority`); also its maximum
    /// controlled priority (`seL4_TCB_SetMCPriority`).
    pub fn priority(mut self, priority: u8) -> Self {
        self.priority = priority;
        self
    }

    /// The thread's share of the CPU on MCS kernels: `budget_us`
    /// microseconds of every `period_us` (`seL4_SchedControl_ConfigureFlags`
    /// on its scheduling context). A budget shorter than the period throttles
    /// the thread once it is used up, until the next period. Ignored on
    /// other kernels, where threads of one priority share the CPU in turns.
    pub fn budget(mut self, budget_us: u64, period_us: u64) -> Self {
        self.budget_us = budget_us;
        self.period_us = period_us;
        self
    }

    /// A name for kernel debug output (`seL4_DebugNameThread`, on kernels
    /// that have it; ignored otherwise). A `&'static str` is kept as it is (no allocation, so naming cannot
    /// fail when the heap is full); a `String` is taken over.
    pub fn name(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The TCB whose maximum controlled priority authorises the priorities,
    /// on kernels whose `SetPriority` takes one (default: the initial
    /// thread's TCB, `seL4_CapInitThreadTCB`). Ignored by seL4 5.0.
    pub fn authority(mut self, tcb: cap::Tcb) -> Self {
        self.authority = Some(tcb);
        self
    }

    /// The VSpace the caller runs in, where the stack and IPC buffer are
    /// mapped (default: `seL4_CapInitThreadVSpace`, right for a root task).
    pub fn vspace(mut self, vspace: cap::VSpace) -> Self {
        self.vspace = vspace;
        self
    }

    /// Spawns a thread running `f` (see the [crate documentation](crate)).
    /// Objects come from `objects` unless a joined thread's resources with
    /// the same stack size and VSpace can be reused. On failure nothing is
    /// kept (see [Failures take nothing](crate#failures-take-nothing)).
    pub fn spawn<F, T>(
        self,
        objects: &mut ObjectAllocator,
        f: F,
    ) -> Result<JoinHandle<T>, SpawnError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let stack_size = match self.stack_size.max(1) {
            n if n >= LARGE_STACK_FRAME => n.next_multiple_of(LARGE_STACK_FRAME),
            n => n.next_multiple_of(PAGE_SIZE),
        };
        // The heap first: without it, nothing else is taken.
        let packet = PacketRef::<T>::new()?;
        let start = try_box(Start {
            f,
            packet: packet.share(),
            // Set in `start`, once the thread's objects are known.
            endpoint: cap::Endpoint::from_cptr(0),
            tcb: cap::Tcb::from_cptr(0),
        })?;
        let res = match Resources::pooled(stack_size, self.vspace) {
            Some(res) => res,
            None => Resources::create(objects, self.vspace, stack_size)?,
        };
        #[cfg(sel4_mcs)]
        let sched_control = objects.sched_control();
        #[cfg(not(sel4_mcs))]
        let sched_control = ();
        match self.start(res, start, packet, sched_control) {
            Ok(handle) => Ok(handle),
            Err((res, e)) => {
                // Nothing runs on them: keep them for the next spawn.
                POOL.lock().put(res);
                Err(e)
            }
        }
    }

    fn start<F, T>(
        &self,
        mut res: Resources,
        mut start: Box<Start<F, T>>,
        packet: PacketRef<T>,
        #[cfg(sel4_mcs)] sched_control: cap::SchedControl,
        #[cfg(not(sel4_mcs))] _sched_control: (),
    ) -> Result<JoinHandle<T>, (Resources, SpawnError)>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let authority = self.authority.unwrap_or(sel4::init_thread::TCB);
        let tcb = res.objs.tcb;
        let prio = self.priority as Word;
        #[cfg(not(sel4_mcs))]
        let configured = tcb
            .set_mc_priority(authority, prio)
            .and_then(|()| tcb.set_priority(authority, prio));
        #[cfg(sel4_mcs)]
        let configured = sched_control
            .configure(
                res.objs.sc,
                sel4::SchedParams::new(self.budget_us, self.period_us),
            )
            .and_then(|()| {
                tcb.set_sched_params(authority, prio, prio, res.objs.sc, res.objs.endpoint.cptr())
            });
        if let Err(e) = configured {
            return Err((res, e.into()));
        }
        #[cfg(sel4_syscall = "DebugNameThread")]
        if let Some(name) = &self.name {
            // SAFETY: the name is copied into this thread's IPC buffer.
            unsafe { sys::seL4_DebugNameThread(tcb.cptr(), name.as_bytes()) };
        }

        let thread = Thread {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            tcb,
        };
        res.data.thread = thread;
        res.data.stack = res.stack_top() - res.stack_size..res.stack_top();
        res.data.guard = res.guard_page();
        let ipc = res.ipc_buffer() as *mut sys::seL4_IPCBuffer;
        // SAFETY: the block was allocated with the image's block layout, and
        // nothing runs on it (a new or joined, suspended thread).
        let tp = unsafe { TlsImage::current().init_block(res.tls_block.0.as_ptr(), ipc) };
        // SAFETY: `tp` is the control block just initialised.
        unsafe { (*tp).thread_data = &mut *res.data as *mut ThreadData as *mut () };
        // SAFETY: as above.
        #[cfg(sel4_mcs)]
        unsafe {
            (*tp).reply = res.objs.reply.cptr() as usize
        };

        start.endpoint = res.objs.endpoint;
        start.tcb = tcb;
        let start = Box::into_raw(start);
        let regs = substrate_rt::arch::continuation_context(
            tp as usize,
            res.stack_top(),
            start as usize,
            thread_start::<F, T>,
        );
        // Registered before it runs, so that an exit from the new thread
        // itself finds it.
        if live_insert(tcb.cptr(), &res).is_err() {
            // SAFETY: the thread did not start, so the box is still ours.
            drop(unsafe { Box::from_raw(start) });
            return Err((res, SpawnError::OutOfHeap));
        }
        if let Err(e) = tcb.write_registers(true, &regs) {
            live_remove(tcb.cptr());
            // SAFETY: the thread did not start, so the box is still ours.
            drop(unsafe { Box::from_raw(start) });
            return Err((res, e.into()));
        }
        Ok(JoinHandle {
            packet,
            res: Some(res),
            thread,
        })
    }
}

/// A thread that was started and not joined.
struct Live {
    tcb: CPtr,
    /// Its IPC buffer page and its stack: the memory of its own it has
    /// mapped in the thread region.
    ipc_buffer: Range<usize>,
    stack: Range<usize>,
}

/// The threads that were started and not joined: what an exit stops
/// ([`stop_other_threads`]) and what [`is_thread_memory`] knows. Held only
/// for a push, a removal or a search, never across a system call.
static LIVE: Mutex<Vec<Live>> = Mutex::new(Vec::new());

/// Records a started thread, registering [`stop_other_threads`] with the
/// runtime's exit on first use; an error if the record cannot grow.
fn live_insert(tcb: CPtr, res: &Resources) -> Result<(), ()> {
    substrate_rt::exit::set_stop_threads(stop_other_threads);
    let mut live = LIVE.lock();
    live.try_reserve(1).map_err(|_| ())?;
    live.push(Live {
        tcb,
        ipc_buffer: res.ipc_buffer()..res.ipc_buffer() + PAGE_SIZE,
        stack: res.guard_page().end..res.stack_top(),
    });
    Ok(())
}

fn live_remove(tcb: CPtr) {
    LIVE.lock().retain(|t| t.tcb != tcb);
}

/// Whether `range` lies wholly inside the stack or the IPC buffer of one
/// thread this crate started and that was not joined: memory that is
/// mapped read-write (for checking pointers a caller hands over, such as a
/// C program's stack buffers). An empty range is inside when its start is.
pub fn is_thread_memory(range: Range<usize>) -> bool {
    let inside = |r: &Range<usize>| r.start <= range.start && range.end <= r.end;
    LIVE.lock()
        .iter()
        .any(|t| inside(&t.stack) || inside(&t.ipc_buffer))
}

/// Suspends every thread this crate started and that was not joined except
/// the caller (`seL4_TCB_Suspend`), and returns the caller's own TCB if it
/// is one of them (`None` for the initial thread). The runtime's exit calls
/// it, so that exit from any thread stops them all. If the record is held
/// by a thread that cannot finish with it (it was suspended while holding
/// it, which takes an exit elsewhere), the threads are left running and
/// only the caller stops.
pub fn stop_other_threads() -> Option<CPtr> {
    let own = current().map(|t| t.tcb.cptr());
    // Bounded: the holder only pushes or removes one entry.
    let live = (0..1000).find_map(|_| {
        LIVE.try_lock().or_else(|| {
            sel4::yield_now();
            None
        })
    })?;
    for t in live.iter().filter(|t| Some(t.tcb) != own) {
        let _ = cap::Tcb::from_cptr(t.tcb).suspend();
    }
    own
}

/// Spawns a thread running `f` with the [`Builder`]'s defaults.
pub fn spawn<F, T>(objects: &mut ObjectAllocator, f: F) -> Result<JoinHandle<T>, SpawnError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    Builder::new().spawn(objects, f)
}

/// The slot a thread's result is passed through, shared by the thread and
/// its [`JoinHandle`], freed by whichever lets go last (the thread outlives
/// a dropped handle). Counted by hand rather than with `Arc` because
/// `Arc::try_new` is not stable: the packet is allocated with [`try_box`].
struct Packet<T> {
    refs: AtomicUsize,
    result: UnsafeCell<Option<T>>,
}

/// One counted reference to a [`Packet`].
struct PacketRef<T> {
    ptr: NonNull<Packet<T>>,
    _owns: PhantomData<Packet<T>>,
}

// SAFETY: the slot is written by the thread once, then read by the joiner
// after the completion message; `T: Send` lets the value cross over. The
// count is atomic.
unsafe impl<T: Send> Send for PacketRef<T> {}

impl<T> PacketRef<T> {
    /// A new, empty packet with one reference.
    fn new() -> Result<Self, SpawnError> {
        let packet = try_box(Packet {
            refs: AtomicUsize::new(1),
            result: UnsafeCell::new(None),
        })?;
        Ok(PacketRef {
            ptr: NonNull::from(Box::leak(packet)),
            _owns: PhantomData,
        })
    }

    /// Another reference to the same packet.
    fn share(&self) -> Self {
        self.packet().refs.fetch_add(1, Ordering::Relaxed);
        PacketRef {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }

    fn packet(&self) -> &Packet<T> {
        // SAFETY: the packet lives while any reference (this one) does.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> Drop for PacketRef<T> {
    fn drop(&mut self) {
        if self.packet().refs.fetch_sub(1, Ordering::Release) == 1 {
            // Every other reference's use happens before the free.
            fence(Ordering::Acquire);
            // SAFETY: the last reference: the box made in `new` is ours.
            drop(unsafe { Box::from_raw(self.ptr.as_ptr()) });
        }
    }
}

/// What a new thread receives as its argument: its closure and the
/// references it needs, in one allocation.
struct Start<F, T> {
    f: F,
    packet: PacketRef<T>,
    endpoint: cap::Endpoint,
    tcb: cap::Tcb,
}

/// The first function of every thread started here.
extern "C" fn thread_start<F: FnOnce() -> T, T>(arg: usize) -> ! {
    // A pooled thread's IPC buffer still holds its last messages and its
    // capability receive path: the new thread starts with neither (a zero
    // receive path receives no capabilities). Cleared here, in the thread's
    // own address space, where the buffer is mapped.
    // SAFETY: the runtime set this thread's IPC buffer, mapped read-write
    // in its VSpace, and nothing else uses it yet.
    unsafe { core::ptr::write_bytes(sys::seL4_GetIPCBuffer(), 0, 1) };
    // SAFETY: `arg` is the `Box<Start<F, T>>` the spawner leaked for this
    // thread.
    let start = unsafe { Box::from_raw(arg as *mut Start<F, T>) };
    let Start {
        f,
        packet,
        endpoint,
        tcb,
    } = *start;
    let value = f();
    // SAFETY: only this thread writes the slot, and the joiner reads it only
    // after this thread's completion message.
    unsafe { *packet.packet().result.get() = Some(value) };
    // Let go of the packet (and free it, if the handle is gone) before the
    // completion message: after it, the joiner may suspend this thread at
    // any point, which must not be inside the allocator.
    drop(packet);
    // Completion: an ordinary message, label 0, which no fault has.
    endpoint.send(MessageInfo::new(0, 0, 0));
    loop {
        let _ = tcb.suspend();
    }
}

/// Owns a spawned thread; [`join`](Self::join) waits for it.
pub struct JoinHandle<T> {
    packet: PacketRef<T>,
    /// `Some` until joined.
    res: Option<Resources>,
    thread: Thread,
}

impl<T> JoinHandle<T> {
    /// The thread's identity.
    pub fn thread(&self) -> Thread {
        self.thread
    }

    /// The thread's scheduling context (MCS kernels), e.g. to read the CPU
    /// time it consumed (`seL4_SchedContext_Consumed`) or to reconfigure it.
    #[cfg(sel4_mcs)]
    pub fn sched_context(&self) -> Option<cap::SchedContext> {
        self.res.as_ref().map(|r| r.objs.sc)
    }

    /// The thread's unmapped guard page, right below its stack: a stack
    /// overflow faults at an address in this range.
    pub fn stack_guard(&self) -> Range<usize> {
        self.res.as_ref().map(Resources::guard_page).unwrap_or(0..0)
    }

    /// The thread's stack (lowest address to top).
    pub fn stack(&self) -> Range<usize> {
        self.res
            .as_ref()
            .map(|r| r.stack_top() - r.stack_size..r.stack_top())
            .unwrap_or(0..0)
    }

    /// Waits for the thread to end (`seL4_Recv` on its endpoint) and returns
    /// the closure's result, or [`JoinError::Faulted`] with the fault that
    /// stopped it. Either way the thread is suspended (`seL4_TCB_Suspend`)
    /// and its resources kept for reuse by a later spawn.
    pub fn join(mut self) -> Result<T, JoinError> {
        let Some(res) = self.res.take() else {
            // `res` is only taken here, and join consumes the handle.
            return Err(JoinError::NoResult);
        };
        // No reply is owed: the thread's completion is a send, and a
        // faulted thread is never resumed.
        let (info, _) = res.objs.endpoint.wait();
        let outcome = if info.label() == 0 {
            fence(Ordering::Acquire);
            // SAFETY: the thread wrote the slot before its completion message
            // and touches it no more.
            unsafe { (*self.packet.packet().result.get()).take() }.ok_or(JoinError::NoResult)
        } else {
            // SAFETY: this thread's IPC buffer; no other reference to it lives.
            let mut ipc = unsafe { sel4::IpcBuffer::current() };
            let fault = Fault::new(info, ipc.msg_regs()).unwrap_or(Fault::Other {
                label: info.label(),
                length: info.length(),
            });
            Err(JoinError::Faulted(fault))
        };
        // Make sure the thread runs no more before its stack is reused.
        live_remove(res.objs.tcb.cptr());
        if res.objs.tcb.suspend().is_ok() {
            POOL.lock().put(res);
        } else {
            POOL.lock().forget_one();
            core::mem::forget(res);
        }
        outcome
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        // Not joined: the thread may still be running on these resources.
        if let Some(res) = self.res.take() {
            POOL.lock().forget_one();
            core::mem::forget(res);
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("thread", &self.thread)
            .finish_non_exhaustive()
    }
}

/// The calling thread's [`sel4::Reply`], for receiving calls. On MCS
/// kernels that is the reply object of the thread's control block
/// (`substrate_tls::reply`): threads this crate starts have one; for any
/// other thread (`main`) one is allocated from `objects` on the first call
/// and recorded there. Elsewhere it is the thread's own reply slot, and
/// nothing is allocated.
pub fn reply(objects: &mut ObjectAllocator) -> Result<sel4::Reply, AllocError> {
    #[cfg(sel4_mcs)]
    {
        let mut cptr = substrate_tls::reply() as CPtr;
        if cptr == 0 {
            let object: cap::Reply = objects.allocate(ObjectType::Reply, 0)?;
            cptr = object.cptr();
            // SAFETY: the runtime set up this thread's control block; the
            // reply object is new, so no other thread receives with it.
            unsafe { substrate_tls::set_reply(cptr as usize) };
        }
        Ok(sel4::Reply::new(cap::Reply::from_cptr(cptr)))
    }
    #[cfg(not(sel4_mcs))]
    {
        let _ = objects;
        Ok(sel4::Reply::implicit())
    }
}
