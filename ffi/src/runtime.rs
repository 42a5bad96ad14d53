//! The runtime of a C root task, and the state the C ABI shares.
//!
//! The library's `#[root_task]` main (feature `c-runtime`; [`run`] is its
//! body, for images that bring their own entry; sizes from the build
//! environment: `SUBSTRATE_FFI_STACK_SIZE`, default 256 KiB; `SUBSTRATE_FFI_HEAP_SIZE`,
//! default 2 MiB, for `substrate_malloc` and Rust allocations; both are part
//! of the image, whose every page takes one of the root CNode's slots, so
//! large memory belongs in the `sbrk` region instead):
//!
//! 1. takes over the BootInfo's free slots and untyped memory
//!    ([`ObjectAllocator`], shared by every C ABI call that creates objects);
//! 2. learns the kernel's capability type numbers
//!    (`seL4_DebugCapIdentify`) from capabilities of known type, so that
//!    the typed seL4 calls can reject capabilities of the wrong type (on
//!    kernels without that call, release kernels, the C ABI records the
//!    type of every capability it creates or copies instead: [`record`]);
//! 3. sets up the timer (`substrate-timer`: the TSC calibrated against the
//!    PIT, and the PIT's interrupt waking sleepers; [`crate::time`]) and
//!    reads the real-time clock for the wall clock;
//! 4. starts a thread (`substrate-thread`, stack of `SUBSTRATE_FFI_STACK_SIZE`,
//!    or of `--defsym=substrate_main_stack_bytes=N`, or of the image's
//!    `const size_t substrate_main_stack_size` when it
//!    defines one, with a guard page below it) that runs the C constructors (newlib's
//!    `__libc_init_array`: the `.preinit_array` and `.init_array` entries, e.g.
//!    `__attribute__((constructor))` functions, in priority order), then
//!    `int main(int argc, char **argv)` with the boot command line's
//!    arguments (`substrate-cmdline`: `sel4-run IMAGE ARG...`; without one
//!    `argc = 1`, `argv = {"app", NULL}`) and newlib's `environ` pointing at
//!    its environment entries, and passes its result to C `exit` (newlib's
//!    runs the `atexit` handlers, then the destructors (newlib registers
//!    `__libc_fini_array` with `atexit` in a constructor of its own when
//!    `__libc_fini` is defined, as c-newlib/syscalls.c does), flushes stdio
//!    and calls `_exit`, which ends in `substrate_exit`), or to
//!    [`substrate_exit`](crate::exit::substrate_exit) when no `exit` is linked;
//! 5. waits on that thread's fault endpoint: if the C program faults (a NULL
//!    dereference, a stack overflow into the guard page, an invalid
//!    instruction), it prints `fault: VM fault at address 0x0 (ip 0x...)`
//!    (or the decoded fault) and ends the system with failure instead of
//!    hanging.
//!
//! `main`, `exit` and `__libc_init_array` are **weak** references (stable
//! Rust cannot declare them weak, so a few lines of `global_asm!` store
//! their addresses, 0 when absent: an image without newlib runs no
//! constructors). A weak reference does not pull a member out of an
//! archive: a link with newlib's `libc.a` must name `exit` and
//! `__libc_init_array` as undefined (`-Wl,-u,exit -Wl,-u,__libc_init_array`,
//! as c-newlib/sel4-cc does) for them to be used, and a C `main` inside an archive must
//! be linked whole (`+whole-archive`). Without a `main` the image reports
//! `substrate-ffi: no C main linked` and fails.

use core::ffi::{c_char, c_int};
use sel4::{cap, CPtr};
use sel4_object_allocator::ObjectAllocator;
use substrate_rt::ExitStatus;

/// Parses a size in bytes from a build-time environment variable (decimal,
/// optionally with a `K`, `M` or `G` suffix), or gives `default`. An unparsable
/// value stops the build (a panic during constant evaluation).
pub const fn config(value: Option<&str>, default: usize) -> usize {
    let Some(s) = value else { return default };
    let b = s.as_bytes();
    let mut i = 0;
    let mut n: usize = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        n = n * 10 + (b[i] - b'0') as usize;
        i += 1;
    }
    assert!(i > 0, "size variable must start with digits");
    if i < b.len() {
        assert!(i + 1 == b.len(), "unknown size suffix");
        n *= match b[i] {
            b'K' | b'k' => 1 << 10,
            b'M' | b'm' => 1 << 20,
            b'G' | b'g' => 1 << 30,
            _ => panic!("unknown size suffix (K, M or G)"),
        };
    }
    n
}

/// Stack of the C program's main thread, in bytes.
pub const SUBSTRATE_STACK_SIZE: usize = config(option_env!("SUBSTRATE_FFI_STACK_SIZE"), 256 << 10);
/// The heap behind `substrate_malloc` (and the runtime's own allocations).
pub const SUBSTRATE_HEAP_SIZE: usize = config(option_env!("SUBSTRATE_FFI_HEAP_SIZE"), 2 << 20);

/// Objects and slots for the C ABI; `None` until start-up has run.
/// A notification mutex (held across retypes and maps): a thread that
/// finds it held sleeps instead of spinning.
static OBJECTS: substrate_sync::Mutex<Option<ObjectAllocator>> = substrate_sync::Mutex::new(None);

/// Runs `f` with the object allocator, or gives `SUBSTRATE_ENOSYS` before
/// the runtime has started.
pub fn with_objects<R>(f: impl FnOnce(&mut ObjectAllocator) -> Result<R, i32>) -> Result<R, i32> {
    match OBJECTS.lock().as_mut() {
        Some(objects) => f(objects),
        None => Err(crate::SUBSTRATE_ENOSYS),
    }
}

/// The kinds of capability the C ABI checks arguments against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `seL4_Untyped`.
    Untyped,
    /// `seL4_Endpoint`.
    Endpoint,
    /// `seL4_Notification`.
    Notification,
    /// `seL4_CNode`.
    CNode,
    /// `seL4_TCB`.
    Tcb,
    /// A frame of any size (`seL4_X86_Page`).
    Frame,
}

/// The kernel's type number of each [`Kind`], learned at start-up from a
/// capability of that kind (the numbers differ between kernel versions).
#[cfg(sel4_syscall = "DebugCapIdentify")]
#[derive(Debug, Clone, Copy)]
struct Tags {
    untyped: u32,
    endpoint: u32,
    notification: u32,
    cnode: u32,
    tcb: u32,
    frame: u32,
}

#[cfg(sel4_syscall = "DebugCapIdentify")]
static TAGS: spin::Once<Tags> = spin::Once::new();

#[cfg(sel4_syscall = "DebugCapIdentify")]
fn identify(cptr: CPtr) -> u32 {
    sel4::Cap::<sel4::cap_type::Unspecified>::from_cptr(cptr).debug_identify()
}

/// What the runtime recorded about a slot's capability, on kernels that
/// cannot be asked (no `seL4_DebugCapIdentify`: release kernels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// A capability of this kind, which the runtime created or copied.
    Kind(Kind),
    /// A capability whose type the runtime does not know (one received over
    /// IPC): the kernel's own checks decide.
    Unknown,
}

/// The capabilities C holds in slots the runtime gave it, by slot: what the
/// type checks go by on kernels without `seL4_DebugCapIdentify`. A `Vec`
/// with `try_reserve`, so that running out of heap is an error.
#[cfg(not(sel4_syscall = "DebugCapIdentify"))]
static RECORDED: spin::Mutex<alloc::vec::Vec<(u64, Recorded)>> =
    spin::Mutex::new(alloc::vec::Vec::new());

/// Records what slot `slot` now holds (`None`: nothing). Kernels with
/// `seL4_DebugCapIdentify` ask the kernel instead and record nothing.
/// `SUBSTRATE_ENOMEM` if the record cannot grow.
pub fn record(slot: u64, what: Option<Recorded>) -> Result<(), i32> {
    #[cfg(not(sel4_syscall = "DebugCapIdentify"))]
    {
        let mut recorded = RECORDED.lock();
        recorded.retain(|(s, _)| *s != slot);
        if let Some(what) = what {
            recorded
                .try_reserve(1)
                .map_err(|_| crate::SUBSTRATE_ENOMEM)?;
            recorded.push((slot, what));
        }
    }
    #[cfg(sel4_syscall = "DebugCapIdentify")]
    let _ = (slot, what);
    Ok(())
}

/// What [`record`] recorded for `slot`; always `None` on kernels with
/// `seL4_DebugCapIdentify`, which record nothing.
pub fn lookup(slot: u64) -> Option<Recorded> {
    #[cfg(not(sel4_syscall = "DebugCapIdentify"))]
    return recorded(slot);
    #[cfg(sel4_syscall = "DebugCapIdentify")]
    {
        let _ = slot;
        None
    }
}

/// What [`record`] last recorded for `slot`.
#[cfg(not(sel4_syscall = "DebugCapIdentify"))]
fn recorded(slot: u64) -> Option<Recorded> {
    RECORDED
        .lock()
        .iter()
        .find(|(s, _)| *s == slot)
        .map(|(_, r)| *r)
}

/// Checks that `cptr` names a capability of `kind`: `SUBSTRATE_EBADCAP` for
/// an empty slot or another type. Uses `seL4_DebugCapIdentify` where the
/// kernel has it; elsewhere what the runtime recorded of the slot
/// ([`record`]): a capability it created or copied must be of `kind`, and
/// a slot with nothing recorded is refused, as is one of unknown type
/// (received over IPC): on a capability of another type a receive faults
/// the thread, a signal to an endpoint blocks for good, a frame or untyped
/// invocation on an endpoint never returns. Sends and calls take such
/// capabilities ([`check_sendable`]). Before any of that, the slot must be
/// one of C's own (see `substrate_cnode_delete`): the runtime's capabilities
/// (its threads' endpoints and notifications, its frames and untyped
/// memory) are refused with `SUBSTRATE_EBADCAP` whatever their type, as a
/// wait on one of its notifications, say, would steal the wake-up of a
/// runtime thread.
pub fn check_cap(cptr: u64, kind: Kind) -> Result<CPtr, i32> {
    check_cap_or_unknown(cptr, kind, false)
}

/// [`check_cap`] for an endpoint to send on or call, which may also be a
/// capability of unknown type (received over IPC, on kernels without
/// `seL4_DebugCapIdentify`): `seL4_Send` and `seL4_Call` on a capability of
/// another type return (an error, or the other object's invocation, on an
/// object of C's own: C can only have received what C sent).
pub fn check_sendable(cptr: u64) -> Result<CPtr, i32> {
    check_cap_or_unknown(cptr, Kind::Endpoint, true)
}

/// Whether the C ABI knows the type of every capability C holds: the kernel
/// has `seL4_DebugCapIdentify` (debug builds). Where it has not, a
/// capability C received over IPC is of unknown type, and only
/// `substrate_ep_send` and `substrate_ep_call` take it (see
/// [`check_cap`]).
pub const fn cap_types_known() -> bool {
    cfg!(sel4_syscall = "DebugCapIdentify")
}

fn check_cap_or_unknown(cptr: u64, kind: Kind, unknown_ok: bool) -> Result<CPtr, i32> {
    if !crate::sel4ops::c_owns(cptr) {
        return Err(crate::SUBSTRATE_EBADCAP);
    }
    #[cfg(not(sel4_syscall = "DebugCapIdentify"))]
    match recorded(cptr) {
        Some(Recorded::Kind(k)) if k == kind => {}
        Some(Recorded::Unknown) if unknown_ok => {}
        _ => return Err(crate::SUBSTRATE_EBADCAP),
    }
    #[cfg(sel4_syscall = "DebugCapIdentify")]
    let _ = unknown_ok;
    let cptr = cptr as CPtr;
    #[cfg(sel4_syscall = "DebugCapIdentify")]
    if let Some(tags) = TAGS.get() {
        let want = match kind {
            Kind::Untyped => tags.untyped,
            Kind::Endpoint => tags.endpoint,
            Kind::Notification => tags.notification,
            Kind::CNode => tags.cnode,
            Kind::Tcb => tags.tcb,
            Kind::Frame => tags.frame,
        };
        let got = identify(cptr);
        if got == 0 || got != want {
            return Err(crate::SUBSTRATE_EBADCAP);
        }
    }
    Ok(cptr)
}

/// Checks that `cptr` names a capability of any type: `SUBSTRATE_EBADCAP`
/// for an empty slot or one that is not C's. Uses `seL4_DebugCapIdentify` or
/// the record, as [`check_cap`] does.
pub fn check_present(cptr: u64) -> Result<(), i32> {
    if !crate::sel4ops::c_owns(cptr) {
        return Err(crate::SUBSTRATE_EBADCAP);
    }
    #[cfg(not(sel4_syscall = "DebugCapIdentify"))]
    if recorded(cptr).is_none() {
        return Err(crate::SUBSTRATE_EBADCAP);
    }
    #[cfg(sel4_syscall = "DebugCapIdentify")]
    if TAGS.get().is_some() && identify(cptr as CPtr) == 0 {
        return Err(crate::SUBSTRATE_EBADCAP);
    }
    let _ = cptr;
    Ok(())
}

/// Learns the type numbers from the initial thread's capabilities and from
/// an endpoint, a notification and a frame created for the purpose.
#[cfg(sel4_syscall = "DebugCapIdentify")]
fn learn_tags(bootinfo: &sel4::BootInfo, objects: &mut ObjectAllocator) -> Result<(), i32> {
    use sel4::{init_thread, FrameSize, ObjectType};
    let ep: cap::Endpoint = objects
        .allocate(ObjectType::Endpoint, 0)
        .map_err(crate::status::from_alloc)?;
    let ntfn: cap::Notification = objects
        .allocate(ObjectType::Notification, 0)
        .map_err(crate::status::from_alloc)?;
    let frame: cap::Frame = objects
        .allocate(ObjectType::Frame(FrameSize::Small), 0)
        .map_err(crate::status::from_alloc)?;
    let tags = Tags {
        untyped: identify(bootinfo.untyped().start as CPtr),
        endpoint: identify(ep.cptr()),
        notification: identify(ntfn.cptr()),
        cnode: identify(init_thread::CNODE.cptr()),
        tcb: identify(init_thread::TCB.cptr()),
        frame: identify(frame.cptr()),
    };
    for slot in [ep.cptr(), ntfn.cptr(), frame.cptr()] {
        let _ = objects.delete(slot);
    }
    TAGS.call_once(|| tags);
    Ok(())
}

/// `argv` for the C program when the image was booted without a command
/// line: `{"app", NULL}`.
struct Argv([*const c_char; 2]);
// SAFETY: the pointers refer to a string literal and are never written.
unsafe impl Sync for Argv {}
static ARGV: Argv = Argv([c"app".as_ptr(), core::ptr::null()]);

/// A NULL-terminated array of pointers to the command line's strings
/// (`substrate-cmdline`, which lives for the whole program), on the heap;
/// `None` when the heap has no room.
fn c_array(strings: substrate_cmdline::Strings) -> Option<&'static mut [*const c_char]> {
    let mut v = alloc::vec::Vec::new();
    v.try_reserve_exact(strings.len() + 1).ok()?;
    v.extend(strings.map(|s| s.as_ptr()));
    v.push(core::ptr::null());
    Some(v.leak())
}

/// `argc` and `argv` for C `main` from the boot command line (`sel4-run
/// IMAGE ARG...`), or `1, {"app", NULL}` without one, and `envp`: the
/// command line's `NAME=value` entries (empty without any); also points the
/// C library's `environ` (when the program uses it: a weak reference) at
/// them, so that `getenv` finds them.
fn c_args() -> (c_int, *const *const c_char, *const *const c_char) {
    // SAFETY: a plain read of the word written by the assembler below.
    let environ = unsafe { __substrate_ffi_c_environ };
    let env = c_array(substrate_cmdline::env()).map_or(ARGV.0[1..].as_ptr(), |e| e.as_ptr());
    if environ != 0 {
        // SAFETY: a non-zero address is the C library's `char **environ`;
        // the constructors and `main` have not run yet, so nothing reads it.
        unsafe { core::ptr::write(environ as *mut *const *const c_char, env) };
    }
    let args = substrate_cmdline::args();
    let argc = args.len();
    match c_array(args) {
        Some(argv) if argc > 0 => (argc as c_int, argv.as_ptr(), env),
        _ => (1, ARGV.0.as_ptr(), env),
    }
}

// The addresses of the C program's `main`, of C `exit` and of newlib's
// `__libc_init_array`, 0 when not linked: weak references (see the module
// documentation).
core::arch::global_asm!(
    ".weak main",
    ".weak exit",
    ".weak __libc_init_array",
    ".weak substrate_main_stack_size",
    ".weak substrate_main_stack_bytes",
    ".weak environ",
    ".section .rodata.substrate_ffi_c_entry,\"a\",@progbits",
    ".balign 8",
    ".globl __substrate_ffi_c_main",
    "__substrate_ffi_c_main: .quad main",
    ".globl __substrate_ffi_c_exit",
    "__substrate_ffi_c_exit: .quad exit",
    ".globl __substrate_ffi_c_init",
    "__substrate_ffi_c_init: .quad __libc_init_array",
    ".globl __substrate_ffi_c_stack_size",
    "__substrate_ffi_c_stack_size: .quad substrate_main_stack_size",
    ".globl __substrate_ffi_c_stack_bytes",
    "__substrate_ffi_c_stack_bytes: .quad substrate_main_stack_bytes",
    ".globl __substrate_ffi_c_environ",
    "__substrate_ffi_c_environ: .quad environ",
    ".text",
);

extern "C" {
    static __substrate_ffi_c_main: usize;
    static __substrate_ffi_c_exit: usize;
    static __substrate_ffi_c_init: usize;
    static __substrate_ffi_c_stack_size: usize;
    static __substrate_ffi_c_stack_bytes: usize;
    static __substrate_ffi_c_environ: usize;
}

/// The stack size of the C main thread: the address of the absolute
/// symbol `substrate_main_stack_bytes` when the link defines one
/// (`-Wl,--defsym=substrate_main_stack_bytes=N`, as
/// `substrate_build::StdProgram::main_stack_size` passes), else the
/// image's `const size_t substrate_main_stack_size` when it defines one (a
/// weak reference: a link-time choice, e.g. `sel4-ocamlfind --stack-size`),
/// otherwise `default`. From 2 MiB on the stack is mapped in
/// 2 MiB frames (`substrate-thread`), so a large one costs few slots.
fn c_main_stack_size(default: usize) -> usize {
    // SAFETY: plain reads of the words written by the assembler above.
    let (bytes, addr) = unsafe { (__substrate_ffi_c_stack_bytes, __substrate_ffi_c_stack_size) };
    if bytes != 0 {
        return bytes;
    }
    if addr == 0 {
        return default;
    }
    // SAFETY: a non-zero address is that of the image's
    // `substrate_main_stack_size`, a `size_t` in its read-only data.
    match unsafe { core::ptr::read(addr as *const usize) } {
        0 => default,
        n => n,
    }
}

type CMain = unsafe extern "C" fn(c_int, *const *const c_char) -> c_int;
type CExit = unsafe extern "C" fn(c_int) -> !;
/// `__libc_init_array`, given `main`'s `argc`, `argv` and `envp` as glibc
/// gives its constructors (newlib's takes no arguments and ignores them).
type CInit = unsafe extern "C" fn(c_int, *const *const c_char, *const *const c_char);

/// Runs the C constructors (`__libc_init_array`, if linked), calls the C
/// program's `main` and then C `exit` with its result (or `substrate_exit`
/// when no C `exit` is linked). Never returns.
pub fn run_c_main() -> ! {
    // SAFETY: plain reads of the three words written by the assembler above.
    let (main, exit, init) = unsafe {
        (
            __substrate_ffi_c_main,
            __substrate_ffi_c_exit,
            __substrate_ffi_c_init,
        )
    };
    if main == 0 {
        sel4::debug_println!("substrate-ffi: no C main linked");
        crate::exit::substrate_exit(1);
    }
    let (argc, argv, envp) = c_args();
    if init != 0 {
        // SAFETY: a non-zero address is newlib's `__libc_init_array`, which
        // calls the constructors the linker script brackets; it runs on the
        // C main thread, whose TLS and IPC buffer are set up, like `main`.
        unsafe {
            let init: CInit = core::mem::transmute::<usize, CInit>(init);
            init(argc, argv, envp)
        }
    }
    // SAFETY: a non-zero address is the C program's `main`, which has this
    // signature; argv lives for the whole program.
    let status = unsafe {
        let main: CMain = core::mem::transmute::<usize, CMain>(main);
        main(argc, argv)
    };
    if exit != 0 {
        // SAFETY: a non-zero address is C `exit`, which never returns.
        unsafe {
            let exit: CExit = core::mem::transmute::<usize, CExit>(exit);
            exit(status)
        }
    }
    crate::exit::substrate_exit(status)
}

/// Sets up the shared state from BootInfo (object allocator, capability
/// type numbers, the timer).
fn init(bootinfo: &sel4::BootInfo) -> Result<(), i32> {
    ROOT_CNODE_BITS.store(
        bootinfo.cnode_size_bits(),
        core::sync::atomic::Ordering::Relaxed,
    );
    let mut objects = ObjectAllocator::new(bootinfo);
    #[cfg(sel4_syscall = "DebugCapIdentify")]
    learn_tags(bootinfo, &mut objects)?;
    attach_notifications(&mut objects)?;
    // On this thread: it may give the timer's thread the highest priority.
    if let Err(e) = substrate_timer::init(&mut objects) {
        sel4::debug_println!(
            "substrate-ffi: no timer ({e}): sleeps fail with ENOSYS, time assumes a 1 GHz TSC"
        );
    }
    crate::time::init_wall_clock(&mut objects);
    *OBJECTS.lock() = Some(objects);
    Ok(())
}

/// log2 of the root CNode's slots (BootInfo's `initThreadCNodeSizeBits`),
/// 0 before the runtime has started.
static ROOT_CNODE_BITS: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

/// The number of slots of the program's root CNode, as the kernel was
/// built (`2^initThreadCNodeSizeBits` from BootInfo; 4096 on seL4 5.0's
/// default configuration, 2^19 in upstream's verification configuration),
/// or 0 before the runtime has started. Calls nothing in the kernel.
#[no_mangle]
pub extern "C" fn substrate_cnode_slots() -> u64 {
    match ROOT_CNODE_BITS.load(core::sync::atomic::Ordering::Relaxed) {
        0 => 0,
        bits => 1u64 << bits,
    }
}

/// Gives every lock of the C ABI that is held across system calls (the
/// object allocator, the console reader, the program break, C's slots and
/// mappings, the thread table, the page allocations) a notification to
/// sleep on, so that a thread that finds one held blocks instead of
/// spinning: spinning at a higher priority than the holder would never end.
fn attach_notifications(objects: &mut ObjectAllocator) -> Result<(), i32> {
    type Attach = fn(cap::Notification) -> Result<(), cap::Notification>;
    let locks: [Attach; 9] = [
        |n| OBJECTS.set_notification(n),
        crate::console::set_lock_notification,
        crate::console::set_writer_notification,
        crate::sbrk::set_lock_notification,
        crate::sel4ops::set_slots_notification,
        crate::sel4ops::set_mappings_notification,
        crate::thread::set_lock_notification,
        crate::heap::set_lock_notification,
        crate::time::set_lock_notification,
    ];
    for attach in locks {
        let n: cap::Notification = objects
            .allocate(sel4::ObjectType::Notification, 0)
            .map_err(crate::status::from_alloc)?;
        // A lock that has one already keeps it.
        if let Err(n) = attach(n) {
            let _ = objects.delete(n.cptr());
        }
    }
    Ok(())
}

/// Runs the C program's `main` on a thread of its own and reports a fault
/// that stops it.
fn run_c_main_thread(default_stack_size: usize) -> ExitStatus {
    let spawned = with_objects(|objects| {
        substrate_thread::Builder::new()
            .stack_size(c_main_stack_size(default_stack_size))
            .name("main")
            .spawn(objects, || -> () { run_c_main() })
            .map_err(|e| {
                sel4::debug_println!("substrate-ffi: cannot start the C main thread: {e}");
                crate::SUBSTRATE_ENOMEM
            })
    });
    let Ok(handle) = spawned else {
        return ExitStatus::Failure;
    };
    // The C program ends the system itself through exit; join returns only
    // if its thread faulted.
    match handle.join() {
        Err(substrate_thread::JoinError::Faulted(fault)) => crate::thread::report_fault(&fault),
        Err(e) => sel4::debug_println!("substrate-ffi: C main thread: {e}"),
        Ok(()) => sel4::debug_println!("substrate-ffi: C main returned without exiting"),
    }
    ExitStatus::Failure
}

/// The body of the image's `main`: sets up the shared state from BootInfo
/// (object allocator, capability type numbers, timer, wall clock), runs
/// the program's `main` on a thread of its own as the module documentation
/// describes, and waits for it. Returns only when the program could not be
/// started or faulted (the exit status is then failure); a program that
/// ends ends the system through `exit`. The `c-runtime` feature's
/// `#[root_task]` main calls it, and so does a std program's
/// (substrate-std).
///
/// `main_stack_size` is the main thread's stack when the image defines no
/// `substrate_main_stack_size`: [`SUBSTRATE_STACK_SIZE`] for C, 8 MiB for a
/// std program.
pub fn run(bootinfo: &sel4::BootInfo, main_stack_size: usize) -> ExitStatus {
    if let Err(status) = init(bootinfo) {
        sel4::debug_println!("substrate-ffi: start-up failed (status {status})");
        return ExitStatus::Failure;
    }
    run_c_main_thread(main_stack_size)
}

/// The initial thread's stack: it only starts the program's main thread and
/// waits on it (also for substrate-std's entry).
pub const INITIAL_STACK_SIZE: usize = 64 << 10;

// Not in host test builds (clippy --all-targets), which link std's panic
// handler and allocator instead of the root task's.
#[cfg(all(not(test), feature = "c-runtime"))]
#[substrate_root_task::root_task(stack_size = INITIAL_STACK_SIZE, heap_size = SUBSTRATE_HEAP_SIZE)]
fn main(bootinfo: &sel4::BootInfo) -> ExitStatus {
    run(bootinfo, SUBSTRATE_STACK_SIZE)
}
