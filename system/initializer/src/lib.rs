//! The system initializer: the root task of a system of components.
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! sel4_system_initializer::system_image!(); // the plan sel4-system-build wrote, run by `main`
//! ```
//!
//! # What [`run`] does
//!
//! 1. For every component it creates a notification, and, if a channel lets
//!    a peer call it, an endpoint (with the notification bound to the
//!    thread, so one `seL4_Recv` gets both) and on MCS kernels a reply
//!    object. It loads the component's image with `substrate-loader`
//!    (address space, CSpace, thread, stack, TLS; restartable components
//!    keep the copies a restart needs).
//! 2. It fills the component's CSpace from
//!    [`FIRST_GRANTED_SLOT`](sel4_system_abi::FIRST_GRANTED_SLOT) on with
//!    what the plan grants and nothing else: its own notification (read
//!    only) and endpoint (read only), its reply object, for each channel
//!    the peer's notification badged with the peer's channel bit (write
//!    only) and, for a protected call, the peer's endpoint badged with
//!    [`CALL_FLAG`](sel4_system_abi::CALL_FLAG) and the peer's id (write
//!    and grant-reply; seL4 5.0 needs grant for a call to carry a reply
//!    capability), its I/O ports and interrupt handlers.
//! 3. It maps the component's heap at
//!    [`HEAP_VADDR`](sel4_system_abi::HEAP_VADDR) (2 MiB frames where they
//!    fit, 4 KiB frames for the rest), every shared region its plan maps,
//!    with the plan's rights and caching, and a read-only
//!    [`SystemInfo`] page at
//!    [`INFO_VADDR`](sel4_system_abi::INFO_VADDR) that lists it all. The
//!    initializer keeps its own mapping of every page to update restart
//!    counters.
//! 4. It starts the components in the plan's order, then serves as their
//!    parent and fault handler: exits and faults are reported with the
//!    component's name; a faulting component whose description says
//!    `restart = true` is restarted: the loader writes its data, `.bss`,
//!    stack, IPC buffer and TLS again from its image, the initializer
//!    zeroes its heap, counts the restart on its information page,
//!    answers a caller it had not answered with
//!    [`PEER_RESTARTED_LABEL`](sel4_system_abi::PEER_RESTARTED_LABEL) and
//!    tells its peers (their channel's `peer_restarts`, then the control
//!    bit of their notification). Once every
//!    component the plan waits for has exited, `run` returns: `Ok` if each
//!    exited with status 0.
#![no_std]

extern crate alloc;

pub mod plan;

use alloc::vec::Vec;
use core::fmt;

use sel4::{
    cap, init_thread, AbsoluteCPtr, Cap, CapRights, FrameSize, MessageInfo, ObjectType, Word,
};
use sel4_object_allocator::{AllocError, ObjectAllocator};
use sel4_system_abi as abi;
use substrate_loader::{Child, Config, Endpoints, Event, Image, LoadError};

pub use sel4_system_abi::SystemInfo;

/// The whole `main.rs` of a system image (the crate depends on
/// `substrate-root-task` too, and its `build.rs` calls
/// `sel4_system_build::system`): includes the plan and defines the root
/// task's `main`, which runs it with a heap of `heap` bytes (default
/// 1 MiB) for the initializer's bookkeeping (each 4 KiB of the image, the
/// heap included, costs the root task a capability slot).
#[macro_export]
macro_rules! system_image {
    () => {
        $crate::system_image!(heap = 1 << 20);
    };
    (heap = $heap:expr) => {
        $crate::include_system!();

        #[substrate_root_task::root_task(heap_size = $heap)]
        fn main(bootinfo: &substrate_root_task::sel4::BootInfo) -> Result<(), $crate::Error> {
            $crate::run(bootinfo, &SYSTEM)
        }
    };
}

/// Includes the plan `sel4-system-build` wrote into `OUT_DIR` as
/// `static SYSTEM: sel4_system_initializer::plan::Plan`.
#[macro_export]
macro_rules! include_system {
    () => {
        include!(concat!(env!("OUT_DIR"), "/sel4-system-plan.rs"));
    };
}

/// Where the initializer maps the information pages of its components in
/// its own address space: one page each from here.
const INFO_WINDOW: usize = 0x7d00_0000_0000;

/// Where it maps a frame for a moment to zero it (2 MiB aligned).
const ZERO_WINDOW: usize = 0x7c00_0000_0000;

const PAGE: usize = 4096;
const LARGE: usize = 2 << 20;

/// Why the system could not be started or ended in failure.
#[derive(Clone, Copy)]
pub enum Error {
    /// The image holds no system (built without a description).
    NoSystem,
    /// Setting up component `component` failed while `doing`.
    Setup {
        /// The component's name.
        component: &'static str,
        /// What the initializer was doing.
        doing: &'static str,
        /// What went wrong.
        error: Cause,
    },
    /// The kernel handed the root task no RAM: BootInfo lists `untypeds`
    /// untyped capabilities, all of device memory (a kernel built with too
    /// few `MAX_NUM_BOOTINFO_UNTYPED_CAPS` for the machine's memory map,
    /// e.g. upstream's verification configuration, 50, under QEMU).
    NoMemory {
        /// How many untyped capabilities BootInfo holds.
        untypeds: usize,
    },
    /// A component the system waits for exited with a non-zero status.
    Exit {
        /// The component's name.
        component: &'static str,
        /// Its exit status.
        status: Word,
    },
    /// A component the system waits for faulted and cannot be restarted.
    Fault {
        /// The component's name.
        component: &'static str,
    },
}

/// The error under an [`Error::Setup`].
#[derive(Debug, Clone, Copy)]
pub enum Cause {
    /// From the loader.
    Load(LoadError),
    /// From the object allocator.
    Alloc(AllocError),
    /// From a kernel invocation.
    Kernel(sel4::Error),
    /// The plan asks for more than the ABI has room for.
    Limit(&'static str),
    /// From the system's timer.
    Timer(substrate_timer::Error),
}

impl From<LoadError> for Cause {
    fn from(e: LoadError) -> Self {
        Cause::Load(e)
    }
}
impl From<AllocError> for Cause {
    fn from(e: AllocError) -> Self {
        Cause::Alloc(e)
    }
}
impl From<substrate_timer::Error> for Cause {
    fn from(e: substrate_timer::Error) -> Self {
        Cause::Timer(e)
    }
}
impl From<sel4::Error> for Cause {
    fn from(e: sel4::Error) -> Self {
        Cause::Kernel(e)
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Load(e) => write!(f, "{e}"),
            Cause::Alloc(e) => write!(f, "{e:?}"),
            Cause::Kernel(e) => write!(f, "the kernel answered {e:?}"),
            Cause::Limit(what) => f.write_str(what),
            Cause::Timer(e) => write!(f, "{e}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoSystem => f.write_str(
                "this image holds no system: build it with sel4-system-build from a system.toml",
            ),
            Error::Setup {
                component,
                doing,
                error,
            } => write!(f, "component `{component}`: {doing}: {error}"),
            Error::NoMemory { untypeds } => write!(
                f,
                "the kernel gave the root task no RAM: its {untypeds} BootInfo untypeds are all device memory \
                 (build the kernel with a larger KernelMaxNumBootinfoUntypedCaps)"
            ),
            Error::Exit { component, status } => {
                write!(f, "component `{component}` exited with status {status}")
            }
            Error::Fault { component } => {
                write!(f, "component `{component}` faulted and is not restartable")
            }
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Wraps errors of one setup step with the component and the step.
trait Context<T> {
    fn during(self, component: &'static str, doing: &'static str) -> Result<T, Error>;
}

impl<T, E: Into<Cause>> Context<T> for Result<T, E> {
    fn during(self, component: &'static str, doing: &'static str) -> Result<T, Error> {
        self.map_err(|e| Error::Setup {
            component,
            doing,
            error: e.into(),
        })
    }
}

/// The kernel objects of one component that exist before it is loaded
/// (peers' capabilities are minted from them).
#[derive(Clone)]
struct Objects {
    /// Its notification (all rights, in the initializer's CSpace).
    notification: cap::Notification,
    /// A copy badged with the control bit, to tell it about restarts.
    control: cap::Notification,
    /// A copy badged with the timer bit, which its alarms signal (if its
    /// description says `timer = true`).
    timer: Option<cap::Notification>,
    /// Its endpoint, if a peer may call it.
    endpoint: Option<cap::Endpoint>,
    /// Its reply object (MCS kernels, when it has an endpoint).
    #[cfg(sel4_mcs)]
    reply: Option<cap::Reply>,
}

/// A started component.
struct Running {
    plan: &'static plan::Component,
    image: Image<'static>,
    child: Child,
    objects: Objects,
    /// The initializer's mapping of its information page.
    info: *mut SystemInfo,
    /// Its heap frames and their sizes.
    heap: Vec<(cap::Frame, FrameSize)>,
    exited: Option<Word>,
    /// Whether its `init` has returned once.
    initialized: bool,
    /// Its alarm on the system's timer, if set.
    alarm: Option<substrate_timer::Alarm>,
}

/// Fills a component's CNode from the first granted slot on.
struct Slots {
    cnode: cap::CNode,
    next: u64,
}

impl Slots {
    fn take(&mut self) -> Result<AbsoluteCPtr, Cause> {
        if self.next >= 1 << substrate_component::abi::CNODE_SIZE_BITS {
            return Err(Cause::Limit("its capability space is full"));
        }
        let slot = substrate_loader::child_slot(self.cnode, self.next);
        self.next += 1;
        Ok(slot)
    }
}

fn own(objects: &ObjectAllocator, c: Cap<impl sel4::CapType>) -> AbsoluteCPtr {
    objects.slot(c.cptr())
}

const fn rights(read: bool, write: bool, grant: bool, grant_reply: bool) -> CapRights {
    CapRights {
        read,
        write,
        grant,
        grant_reply,
    }
}

/// The index of component `child` among the components `supervisor`
/// supervises (in the plan's order): its `SystemInfo::children` entry.
fn child_index(plan: &plan::Plan, supervisor: usize, child: usize) -> usize {
    plan.components[..child]
        .iter()
        .filter(|c| c.supervisor == Some(supervisor))
        .count()
}

/// The component that is child `k` of `supervisor`.
fn nth_child(plan: &plan::Plan, supervisor: usize, k: usize) -> Option<usize> {
    (0..plan.components.len())
        .filter(|&c| plan.components[c].supervisor == Some(supervisor))
        .nth(k)
}

/// The inbox badge of component `i`'s messages; +1 for its faults.
fn badge_of(i: usize) -> Word {
    2 * i as Word + 2
}

/// What every component's information page says about BootInfo.
fn boot_figures(bootinfo: &sel4::BootInfo) -> abi::BootFigures {
    let (mut ram_untypeds, mut ram_bytes, mut device_bytes) = (0, 0, 0);
    for u in bootinfo.untyped_list() {
        if u.is_device {
            device_bytes += u.size() as u64;
        } else {
            ram_untypeds += 1;
            ram_bytes += u.size() as u64;
        }
    }
    abi::BootFigures {
        untypeds: bootinfo.untyped_list().count() as u64,
        ram_untypeds,
        ram_bytes,
        device_bytes,
        empty_slots: bootinfo.empty().len() as u64,
        cnode_size_bits: bootinfo.cnode_size_bits() as u64,
        image_frames: bootinfo.user_image_frames().len() as u64,
        // seL4_Word: 64 bits here, 32 on other architectures.
        #[allow(clippy::unnecessary_cast)]
        nodes: bootinfo.raw().numNodes as u64,
    }
}

/// Starts the system `plan` describes and serves it until every
/// component it waits for has exited (see the crate documentation).
pub fn run(bootinfo: &sel4::BootInfo, plan: &'static plan::Plan) -> Result<(), Error> {
    if plan.components.is_empty() {
        return Err(Error::NoSystem);
    }
    let figures = boot_figures(bootinfo);
    let mut objects = ObjectAllocator::new(bootinfo);
    if objects.free_memory() == 0 {
        return Err(Error::NoMemory {
            untypeds: bootinfo.untyped_list().count(),
        });
    }
    let me = "(initializer)";
    let inbox: cap::Endpoint = objects
        .allocate(ObjectType::Endpoint, 0)
        .during(me, "creating its endpoint")?;
    let reply = objects
        .allocate_reply()
        .during(me, "creating its reply object")?;
    sel4::debug_println!(
        "system `{}`: {} components, {} channels, {} memory regions",
        plan.name,
        plan.components.len(),
        plan.channels.len(),
        plan.regions.len()
    );

    // 1. The objects peers need capabilities to.
    let mut created = Vec::new();
    for (i, c) in plan.components.iter().enumerate() {
        created.push(create_objects(&mut objects, plan, i).during(c.name, "creating its objects")?);
    }
    // Shared regions: RAM frames, or frames of device memory at the
    // region's physical address, mapped into each component below.
    let mut regions = Vec::new();
    let mut devices = DeviceUntypeds::default();
    for r in plan.regions {
        let frames = match r.phys {
            Some(phys) => devices
                .frames(&mut objects, bootinfo, phys, r.size)
                .during(r.name, "taking device memory")?,
            None if r.dma => {
                contiguous_frames(&mut objects, r.size).during(r.name, "creating DMA memory")?
            }
            None => {
                let mut frames = Vec::new();
                for _ in 0..r.size / PAGE {
                    let f: cap::Frame = objects
                        .allocate(ObjectType::Frame(FrameSize::Small), 0)
                        .during(r.name, "creating a memory region")?;
                    frames.push(f);
                }
                frames
            }
        };
        regions.push(frames);
    }

    // 2. Load every component and grant it what the plan says.
    let mut running: Vec<Running> = Vec::new();
    for i in 0..plan.components.len() {
        let c = &plan.components[i];
        let image = Image::parse(c.elf).during(c.name, "reading its image")?;
        // A supervised component's faults go to its supervisor's endpoint,
        // badged with the fault flag and its index among the children.
        let (fault_endpoint, fault_badge) = match c.supervisor {
            Some(s) => (
                created[s].endpoint.expect("a supervisor has an endpoint"),
                abi::FAULT_FLAG | child_index(plan, s, i) as Word,
            ),
            None => (inbox, badge_of(i) + 1),
        };
        let endpoints = Endpoints {
            endpoint: inbox,
            badge: badge_of(i),
            fault_endpoint,
            fault_badge,
        };
        let config = Config {
            stack_size: c.stack,
            budget: (c.budget_us, c.period_us),
            restartable: c.restart,
            // The thread running `main` (substrate-root-task keeps it in
            // this slot on every kernel).
            ..Config::new(init_thread::TCB, c.priority as Word)
        };
        let child = Child::load(&mut objects, &image, &endpoints, &config)
            .during(c.name, "loading its image")?;
        // The loader gives a component COM1 on kernels without a debug
        // console; a system's components print through the initializer
        // instead (abi::CONSOLE_LABEL), so none holds the port.
        let _ = child.slot(substrate_component::abi::CONSOLE_SLOT).delete();
        let r = Running {
            plan: c,
            image,
            child,
            objects: created[i].clone(),
            info: (INFO_WINDOW + i * PAGE) as *mut SystemInfo,
            heap: Vec::new(),
            exited: None,
            initialized: false,
            alarm: None,
        };
        running.push(r);
    }
    // The timer, if a component may set alarms: every component of the
    // system then reads the clock at the frequency it measured.
    let tsc_hz = if plan.components.iter().any(|c| c.timer) {
        let timer = substrate_timer::init(&mut objects).during(me, "setting up the timer")?;
        timer.clock().hz()
    } else {
        0
    };
    for i in 0..running.len() {
        grant(
            &mut objects,
            plan,
            &mut running,
            &regions,
            i,
            tsc_hz,
            &figures,
        )?;
    }

    // 3. Start them in order.
    for r in &running {
        r.child.start().during(r.plan.name, "starting it")?;
    }

    // 4. Serve exits, faults and restarts.
    serve(&mut objects, plan, &mut running, inbox, &reply)
}

fn create_objects(
    objects: &mut ObjectAllocator,
    plan: &plan::Plan,
    i: usize,
) -> Result<Objects, Cause> {
    let notification: cap::Notification = objects.allocate(ObjectType::Notification, 0)?;
    let control = objects.alloc_slot()?;
    objects.slot(control).mint(
        &own(objects, notification),
        CapRights::write_only(),
        1 << abi::CONTROL_BIT,
    )?;
    // A peer may call it, or it supervises components whose faults arrive
    // on its endpoint.
    let serves = plan.channels.iter().any(|ch| ch.protected && ch.to.0 == i)
        || plan.components.iter().any(|c| c.supervisor == Some(i));
    let endpoint = if serves {
        Some(objects.allocate::<sel4::cap_type::Endpoint>(ObjectType::Endpoint, 0)?)
    } else {
        None
    };
    #[cfg(sel4_mcs)]
    let reply = if serves {
        Some(objects.allocate::<sel4::cap_type::Reply>(ObjectType::Reply, 0)?)
    } else {
        None
    };
    let timer = if plan.components[i].timer {
        let slot = objects.alloc_slot()?;
        objects.slot(slot).mint(
            &own(objects, notification),
            CapRights::write_only(),
            1 << abi::TIMER_BIT,
        )?;
        Some(Cap::from_cptr(slot))
    } else {
        None
    };
    Ok(Objects {
        notification,
        control: Cap::from_cptr(control),
        timer,
        endpoint,
        #[cfg(sel4_mcs)]
        reply,
    })
}

/// Fills component `i`'s CSpace, maps its heap, regions and information
/// page, and binds its notification.
fn grant(
    objects: &mut ObjectAllocator,
    plan: &'static plan::Plan,
    running: &mut [Running],
    regions: &[Vec<cap::Frame>],
    i: usize,
    tsc_hz: u64,
    figures: &abi::BootFigures,
) -> Result<(), Error> {
    let name = running[i].plan.name;
    let c = running[i].plan;
    let vspace = running[i].child.vspace();
    let mut slots = Slots {
        cnode: running[i].child.cnode(),
        next: abi::FIRST_GRANTED_SLOT,
    };
    // SAFETY: SystemInfo holds only integers and arrays of integers, for
    // which all-zero is a valid value.
    let mut info: SystemInfo = unsafe { core::mem::zeroed() };
    info.magic = abi::MAGIC;
    info.version = abi::VERSION;
    info.name = abi::name_bytes(name);
    info.component = i as u64;
    info.restartable = c.restart as u64;
    info.tsc_hz = tsc_hz;
    info.timer = c.timer as u64;
    info.boot = *figures;

    let own_objects = &running[i].objects;
    let slot = slots.take().during(name, "granting its notification")?;
    slot.copy(
        &own(objects, own_objects.notification),
        CapRights::read_only(),
    )
    .during(name, "granting its notification")?;
    info.notification_slot = slot.path;
    if let Some(ep) = own_objects.endpoint {
        let slot = slots.take().during(name, "granting its endpoint")?;
        slot.copy(&own(objects, ep), CapRights::read_only())
            .during(name, "granting its endpoint")?;
        info.endpoint_slot = slot.path;
        let slot = slots.take().during(name, "granting its reply capability")?;
        #[cfg(sel4_mcs)]
        if let Some(r) = own_objects.reply {
            slot.copy(&own(objects, r), CapRights::all())
                .during(name, "granting its reply object")?;
        }
        info.reply_slot = slot.path;
        #[cfg(not(sel4_mcs))]
        if c.restart {
            // seL4_CNode_SaveCaller needs the component's own CNode.
            let cslot = slots.take().during(name, "granting its CNode")?;
            // No guard: the component names its slots with depth
            // CNODE_SIZE_BITS on this capability.
            cslot
                .copy(&own(objects, running[i].child.cnode()), CapRights::all())
                .during(name, "granting its CNode")?;
            info.cnode_slot = cslot.path;
        }
        running[i]
            .child
            .tcb()
            .bind_notification(own_objects.notification)
            .during(name, "binding its notification")?;
    }

    // Channels.
    for ch in plan.channels {
        for (me, peer, calls) in [(ch.from, ch.to, ch.protected), (ch.to, ch.from, false)] {
            if me.0 != i {
                continue;
            }
            let entry = &mut info.channels[me.1 as usize];
            entry.flags = abi::CHANNEL_NOTIFY;
            entry.peer = peer.0 as u64;
            let peer_objects = &running[peer.0].objects;
            let slot = slots.take().during(name, "granting a channel")?;
            slot.mint(
                &own(objects, peer_objects.notification),
                CapRights::write_only(),
                1 << peer.1,
            )
            .during(name, "granting a channel's notification")?;
            entry.notify_slot = slot.path;
            if calls {
                let ep = peer_objects
                    .endpoint
                    .expect("a called component has an endpoint");
                let slot = slots.take().during(name, "granting a protected call")?;
                slot.mint(
                    &own(objects, ep),
                    rights(false, true, true, true),
                    abi::CALL_FLAG | peer.1 as u64,
                )
                .during(name, "granting a protected call")?;
                entry.flags |= abi::CHANNEL_CALLS;
                entry.call_slot = slot.path;
            }
            if ch.protected && me == ch.to {
                entry.flags |= abi::CHANNEL_SERVES;
            }
        }
    }

    // Supervised components.
    for (index, child) in plan.components.iter().enumerate() {
        if child.supervisor != Some(i) {
            continue;
        }
        let k = info.child_count as usize;
        if k >= abi::MAX_CHILDREN {
            return Err(Cause::Limit("too many supervised components"))
                .during(name, "listing its children");
        }
        info.children[k] = abi::Child {
            name: abi::name_bytes(child.name),
            component: index as u64,
        };
        info.child_count += 1;
    }

    // I/O ports and interrupts.
    for (k, p) in c.ioports.iter().enumerate() {
        if k >= abi::MAX_IOPORTS {
            return Err(Cause::Limit("too many I/O port ranges"))
                .during(name, "granting I/O ports");
        }
        let slot = slots.take().during(name, "granting I/O ports")?;
        sel4::issue_io_ports(p.first, p.last, &slot).during(name, "granting I/O ports")?;
        info.ioports[k] = abi::IoPorts {
            slot: slot.path,
            first: p.first as u64,
            last: p.last as u64,
        };
        info.ioport_count += 1;
    }
    for (k, irq) in c.irqs.iter().enumerate() {
        if k >= abi::MAX_IRQS {
            return Err(Cause::Limit("too many interrupts")).during(name, "granting an interrupt");
        }
        let handler_slot = grant_irq(objects, &running[i].objects, irq, &mut slots)
            .during(name, "granting an interrupt")?;
        info.irqs[k] = abi::Irq {
            handler_slot,
            channel: irq.channel as u64,
            ioapic: irq.ioapic as u64,
            pin: irq.pin as u64,
        };
        info.irq_count += 1;
        info.channels[irq.channel as usize].flags |= abi::CHANNEL_IRQ;
    }

    // Heap.
    let heap = map_heap(objects, vspace, c.heap).during(name, "mapping its heap")?;
    info.stack_bottom = running[i].child.stack_guard().end as u64;
    info.stack_top = running[i].child.stack_top() as u64;
    info.heap_base = abi::HEAP_VADDR as u64;
    info.heap_size = c.heap as u64;
    running[i].heap = heap;

    // Shared regions.
    for (k, m) in c.maps.iter().enumerate() {
        if k >= abi::MAX_REGIONS {
            return Err(Cause::Limit("too many memory regions")).during(name, "mapping a region");
        }
        let region = &plan.regions[m.region];
        let write = m.flags & abi::REGION_WRITE != 0;
        let attrs = if m.flags & abi::REGION_UNCACHED != 0 || region.phys.is_some() {
            sel4::sys::seL4_X86_CacheDisabled
        } else {
            sel4::VM_DEFAULT
        };
        for (p, &frame) in regions[m.region].iter().enumerate() {
            let vaddr = m.vaddr + p * PAGE;
            let copy = objects.alloc_slot().during(name, "mapping a region")?;
            let r = rights(true, write, false, false);
            objects
                .slot(copy)
                .copy(&own(objects, frame), r)
                .during(name, "mapping a region")?;
            objects
                .map_paging_structures(vspace, vaddr)
                .during(name, "mapping a region")?;
            cap::Frame::from_cptr(copy)
                .map(vspace, vaddr, r, attrs)
                .during(name, "mapping a region")?;
        }
        let paddr = match (region.phys, regions[m.region].first()) {
            (Some(phys), _) => phys as u64,
            (None, Some(&first)) if region.dma => first
                .physical_address()
                .during(name, "finding a DMA region's address")?
                as u64,
            _ => 0,
        };
        info.regions[k] = abi::Region {
            name: abi::name_bytes(region.name),
            vaddr: m.vaddr as u64,
            size: region.size as u64,
            flags: m.flags
                | if region.phys.is_some() {
                    abi::REGION_DEVICE
                } else {
                    0
                },
            paddr,
        };
        info.region_count += 1;
    }

    // The information page: ours read-write, the component's read-only.
    let page: cap::Frame = objects
        .allocate(ObjectType::Frame(FrameSize::Small), 0)
        .during(name, "creating its information page")?;
    objects
        .map_frame(
            init_thread::VSPACE,
            page,
            running[i].info as usize,
            CapRights::read_write(),
        )
        .during(name, "mapping its information page")?;
    // SAFETY: the page was just mapped read-write at this address, is
    // page-aligned (SystemInfo needs 8) and nothing else refers to it.
    unsafe { running[i].info.write(info) };
    let copy = objects
        .alloc_slot()
        .during(name, "mapping its information page")?;
    objects
        .slot(copy)
        .copy(&own(objects, page), CapRights::read_only())
        .during(name, "mapping its information page")?;
    objects
        .map_frame(
            vspace,
            Cap::from_cptr(copy),
            abi::INFO_VADDR,
            CapRights::read_only(),
        )
        .during(name, "mapping its information page")?;
    Ok(())
}

/// `size` bytes of physically contiguous RAM in 4 KiB frames: one untyped
/// object of the next power of two (retyped from the allocator's RAM),
/// whose frames are retyped from it in order, so that frame `i` is at
/// the first frame's physical address plus `i` pages.
fn contiguous_frames(objects: &mut ObjectAllocator, size: usize) -> Result<Vec<cap::Frame>, Cause> {
    let bits = size.next_power_of_two().max(PAGE).trailing_zeros() as usize;
    let untyped: cap::Untyped = objects.allocate(ObjectType::Untyped, bits)?;
    frames_in_order(objects, untyped, size / PAGE)
}

/// `pages` 4 KiB frames retyped one after the other from `untyped` into
/// fresh slots: each at the untyped's next free address, so in address
/// order (what contiguous DMA memory and device memory at its physical
/// address both rely on).
fn frames_in_order(
    objects: &mut ObjectAllocator,
    untyped: cap::Untyped,
    pages: usize,
) -> Result<Vec<cap::Frame>, Cause> {
    let dir = AbsoluteCPtr {
        depth: 0,
        ..objects.slot(0)
    };
    let mut frames = Vec::new();
    for _ in 0..pages {
        let slot = objects.alloc_slot()?;
        untyped.retype(
            ObjectType::Frame(FrameSize::Small),
            0,
            &dir,
            slot as usize,
            1,
        )?;
        frames.push(Cap::from_cptr(slot));
    }
    Ok(frames)
}

/// How far each device untyped of BootInfo has been retyped (device
/// memory is taken at fixed physical addresses, so in address order).
#[derive(Default)]
struct DeviceUntypeds {
    /// (index in BootInfo's untyped list, bytes used from its start).
    used: Vec<(usize, usize)>,
}

impl DeviceUntypeds {
    /// Frames of the device memory at `phys .. phys + size` (page-aligned),
    /// retyped from the device untyped that covers it: the untyped's
    /// memory below `phys` is first taken by untyped objects that are kept
    /// (a retype places an object at the untyped's next free, aligned
    /// address, and deleting every child would reset it). Regions must not
    /// overlap and are taken in the plan's order.
    fn frames(
        &mut self,
        objects: &mut ObjectAllocator,
        bootinfo: &sel4::BootInfo,
        phys: usize,
        size: usize,
    ) -> Result<Vec<cap::Frame>, Cause> {
        let end = phys
            .checked_add(size)
            .ok_or(Cause::Limit("the region wraps around"))?;
        let Some((index, desc)) = bootinfo
            .untyped_list()
            .enumerate()
            .find(|(_, d)| d.is_device && d.paddr <= phys && end <= d.paddr + d.size())
        else {
            return Err(Cause::Limit(
                "no device untyped covers it (RAM, or memory the kernel keeps for itself)",
            ));
        };
        let untyped: cap::Untyped =
            Cap::from_cptr((bootinfo.untyped().start + index) as sel4::CPtr);
        let used = match self.used.iter_mut().find(|(i, _)| *i == index) {
            Some((_, used)) => used,
            None => {
                self.used.push((index, 0));
                &mut self.used.last_mut().expect("just pushed").1
            }
        };
        let target = phys - desc.paddr;
        if target < *used {
            return Err(Cause::Limit(
                "it overlaps or comes before another device region in the same untyped",
            ));
        }
        let dir = AbsoluteCPtr {
            depth: 0,
            ..objects.slot(0)
        };
        // Fill the gap with the largest aligned untyped objects that fit.
        while *used < target {
            let align = if *used == 0 {
                usize::BITS
            } else {
                used.trailing_zeros()
            };
            let fit = usize::BITS - 1 - (target - *used).leading_zeros();
            let bits = align.min(fit).max(4) as usize;
            let slot = objects.alloc_slot()?;
            untyped.retype(ObjectType::Untyped, bits, &dir, slot as usize, 1)?;
            *used += 1 << bits;
        }
        let frames = frames_in_order(objects, untyped, size / PAGE)?;
        *used += size;
        Ok(frames)
    }
}

/// Issues the handler of `irq` (IOAPIC), delivers it to the component's
/// notification with the channel's bit, and copies it into its CSpace.
fn grant_irq(
    objects: &mut ObjectAllocator,
    own_objects: &Objects,
    irq: &plan::Irq,
    slots: &mut Slots,
) -> Result<u64, Cause> {
    static NEXT_VECTOR: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
    // From two below the top down: the top two are the console's and the
    // timer's (see cap::IrqControl::get_ioapic on why high vectors).
    let n = NEXT_VECTOR.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    let vector = cap::IrqControl::MAX_VECTOR
        .checked_sub(2 + n)
        .ok_or(Cause::Limit("no interrupt vectors left"))?;
    let ours = objects.alloc_slot()?;
    let handler = init_thread::IRQ_CONTROL.get_ioapic(
        &objects.slot(ours),
        irq.ioapic as Word,
        irq.pin as Word,
        irq.level,
        irq.active_low,
        vector,
    )?;
    let badged = objects.alloc_slot()?;
    objects.slot(badged).mint(
        &own(objects, own_objects.notification),
        CapRights::write_only(),
        1 << irq.channel,
    )?;
    handler.set_notification(Cap::from_cptr(badged))?;
    let slot = slots.take()?;
    slot.copy(&objects.slot(ours), CapRights::all())?;
    Ok(slot.path)
}

/// Maps `bytes` of fresh memory at the heap address: 2 MiB frames while
/// they fit, then 4 KiB frames.
fn map_heap(
    objects: &mut ObjectAllocator,
    vspace: cap::VSpace,
    bytes: usize,
) -> Result<Vec<(cap::Frame, FrameSize)>, Cause> {
    let mut frames = Vec::new();
    let mut offset = 0;
    while offset < bytes {
        let size = if bytes - offset >= LARGE {
            FrameSize::Large
        } else {
            FrameSize::Small
        };
        let frame: cap::Frame = objects.allocate(ObjectType::Frame(size), 0)?;
        objects.map_frame_sized(
            vspace,
            frame,
            size,
            abi::HEAP_VADDR + offset,
            CapRights::read_write(),
        )?;
        frames.push((frame, size));
        offset += 1 << size.bits();
    }
    Ok(frames)
}

/// Zeroes `frame` through a temporary mapping of a copy of it.
fn zero_frame(
    objects: &mut ObjectAllocator,
    frame: cap::Frame,
    size: FrameSize,
) -> Result<(), Cause> {
    let copy = objects.alloc_slot()?;
    let result = (|| -> Result<(), Cause> {
        objects
            .slot(copy)
            .copy(&own(objects, frame), CapRights::read_write())?;
        objects.map_frame_sized(
            init_thread::VSPACE,
            Cap::from_cptr(copy),
            size,
            ZERO_WINDOW,
            CapRights::read_write(),
        )?;
        // SAFETY: the frame is mapped read-write at ZERO_WINDOW for its
        // whole size, and only this function touches that window.
        unsafe { core::ptr::write_bytes(ZERO_WINDOW as *mut u8, 0, 1 << size.bits()) };
        cap::Frame::from_cptr(copy).unmap()?;
        Ok(())
    })();
    let _ = objects.delete(copy);
    result
}

fn serve(
    objects: &mut ObjectAllocator,
    plan: &'static plan::Plan,
    running: &mut [Running],
    inbox: cap::Endpoint,
    reply: &sel4::Reply,
) -> Result<(), Error> {
    let mut failure = None;
    let mut waiting = plan.wait_for.len();
    let mut uninitialized = running.len();
    while waiting > 0 || plan.wait_for.is_empty() {
        let (info, badge) = inbox.recv(reply);
        let i = (badge as usize / 2).wrapping_sub(1);
        let Some(r) = running.get_mut(i) else {
            sel4::debug_println!("system: a message with unknown badge {badge:#x}");
            continue;
        };
        // SAFETY: this thread holds no other IpcBuffer.
        let mut ipc = unsafe { sel4::IpcBuffer::current() };
        let name = r.plan.name;
        let restartable = r.plan.restart;
        match r.child.event(info, badge, ipc.msg_regs()) {
            Some(Event::Exit(status)) => {
                sel4::debug_println!("system: `{name}` exited with status {status}");
                if r.exited.replace(status).is_none() && plan.wait_for.contains(&i) {
                    waiting -= 1;
                    if status != 0 && failure.is_none() {
                        failure = Some(Error::Exit {
                            component: name,
                            status,
                        });
                    }
                }
            }
            Some(Event::Fault(fault)) => {
                sel4::debug_println!("system: `{name}` faulted: {fault}");
                if restartable {
                    match restart(objects, plan, running, i) {
                        Ok(n) => sel4::debug_println!("system: `{name}` restarted (restart {n})"),
                        Err(e) => {
                            sel4::debug_println!("system: restarting `{name}` failed: {e}");
                        }
                    }
                } else if plan.wait_for.contains(&i) && running[i].exited.is_none() {
                    running[i].exited = Some(substrate_component::abi::FAILURE_STATUS);
                    waiting -= 1;
                    failure.get_or_insert(Error::Fault { component: name });
                }
            }
            Some(Event::Message(info)) if info.label() == abi::INIT_DONE_LABEL => {
                if !core::mem::replace(&mut running[i].initialized, true) {
                    uninitialized -= 1;
                    if uninitialized == 0 {
                        startup_report(objects, plan);
                    }
                }
                reply.send(MessageInfo::new(0, 0, 0));
            }
            Some(Event::Message(info)) if info.label() == abi::RESTART_LABEL => {
                let k = if info.length() >= 1 {
                    ipc.msg_regs()[0] as usize
                } else {
                    usize::MAX
                };
                let answer = match nth_child(plan, i, k) {
                    None => abi::RestartError::NoSuchChild as Word,
                    Some(c) if !plan.components[c].restart => {
                        abi::RestartError::NotRestartable as Word
                    }
                    Some(c) => match restart(objects, plan, running, c) {
                        Ok(n) => {
                            sel4::debug_println!(
                                "system: `{}` restarted by `{name}` (restart {n})",
                                plan.components[c].name
                            );
                            0
                        }
                        Err(e) => {
                            sel4::debug_println!(
                                "system: restarting `{}` failed: {e}",
                                plan.components[c].name
                            );
                            abi::RestartError::Failed as Word
                        }
                    },
                };
                reply.send(MessageInfo::new(answer, 0, 0));
            }
            Some(Event::Message(info)) if info.label() == abi::TIMER_LABEL => {
                let deadline = if info.length() >= 1 {
                    ipc.msg_regs()[0]
                } else {
                    u64::MAX
                };
                let answer = set_alarm(r, deadline);
                reply.send(MessageInfo::new(answer, 0, 0));
            }
            Some(Event::Message(info)) if info.label() == abi::CONSOLE_LABEL => {
                let mrs = ipc.msg_regs();
                let words = info.length().min(mrs.len());
                let len = mrs.first().map_or(0, |&n| n as usize);
                // Only what the message holds: a bad count prints nothing.
                if words >= 1 && len <= abi::CONSOLE_BYTES && len <= (words - 1) * 8 {
                    for i in 0..len {
                        sel4::device_put_char(mrs[1 + i / 8].to_le_bytes()[i % 8]);
                    }
                }
                reply.send(MessageInfo::new(0, 0, 0));
            }
            Some(Event::Message(info)) => {
                // Components have no requests for the initializer yet; the
                // caller stays blocked rather than getting an answer it
                // could misread.
                sel4::debug_println!(
                    "system: `{name}` sent a message with label {:#x}, which the initializer does not serve",
                    info.label()
                );
            }
            None => {}
        }
    }
    sel4::debug_println!("system `{}`: done", plan.name);
    failure.map_or(Ok(()), Err)
}

/// Sets (or for `u64::MAX` cancels) component `r`'s alarm, replacing the
/// one it had: the reply label to its [`abi::TIMER_LABEL`] call.
fn set_alarm(r: &mut Running, deadline: u64) -> Word {
    let (Some(ntfn), Some(timer)) = (r.objects.timer, substrate_timer::get()) else {
        return abi::TIMER_NOT_GRANTED;
    };
    if let Some(old) = r.alarm.take() {
        timer.cancel(old);
    }
    if deadline == u64::MAX {
        return 0;
    }
    match timer.signal_at(deadline, ntfn) {
        Ok(alarm) => {
            r.alarm = Some(alarm);
            0
        }
        Err(e) => {
            sel4::debug_println!("system: `{}`'s alarm: {e}", r.plan.name);
            abi::TIMER_FAILED
        }
    }
}

/// Prints the start-up cost once every component's `init` has returned:
/// kernel objects the initializer created, and time-stamp counter ticks
/// since the root task was entered (under QEMU's `-icount`, instructions,
/// user and kernel: `make bench`).
fn startup_report(objects: &ObjectAllocator, plan: &plan::Plan) {
    // SAFETY: rdtsc only reads the counter.
    let now = unsafe { core::arch::x86_64::_rdtsc() };
    sel4::debug_println!(
        "system `{}`: {} components initialized; {} kernel objects created, {} TSC ticks from the initializer's start",
        plan.name,
        plan.components.len(),
        objects.objects_created(),
        now - substrate_rt::start::start_tsc()
    );
}

/// Restarts component `i` from its initial state: the loader writes its
/// data, `.bss`, stack, IPC buffer and TLS again from its image; the
/// initializer zeroes its heap, counts the restart on its information
/// page, answers a caller it had not answered yet with
/// [`PEER_RESTARTED_LABEL`](abi::PEER_RESTARTED_LABEL), and tells every
/// peer (its channel's `peer_restarts`, then the control bit). Returns the
/// restart count.
fn restart(
    objects: &mut ObjectAllocator,
    plan: &'static plan::Plan,
    running: &mut [Running],
    i: usize,
) -> Result<u64, Error> {
    if let (Some(alarm), Some(timer)) = (running[i].alarm.take(), substrate_timer::get()) {
        timer.cancel(alarm);
    }
    let r = &running[i];
    let name = r.plan.name;
    r.child.suspend().during(name, "stopping it")?;
    answer_caller(objects, r).during(name, "answering its caller")?;
    for &(frame, size) in &r.heap {
        zero_frame(objects, frame, size).during(name, "zeroing its heap")?;
    }
    // SAFETY: the page stays mapped at `info` in this address space; only
    // this thread writes it, and the component maps it read-only.
    let restarts = unsafe {
        (*r.info).restarts += 1;
        (*r.info).restarts
    };
    r.child
        .restart(objects, &r.image)
        .during(name, "restoring its initial state")?;
    for ch in plan.channels {
        for (me, peer) in [(ch.from, ch.to), (ch.to, ch.from)] {
            if me.0 != i {
                continue;
            }
            let p = &running[peer.0];
            // SAFETY: as above, for the peer's page.
            unsafe { (*p.info).channels[peer.1 as usize].peer_restarts += 1 };
            p.objects.control.signal();
        }
    }
    Ok(restarts)
}

/// Answers the caller a component had received a call from and not yet
/// answered, if any, with [`abi::PEER_RESTARTED_LABEL`]: on MCS kernels
/// through the initializer's capability to its reply object (a reply
/// object without a waiting caller ignores it); elsewhere through the
/// reply capability it saved (`seL4_CNode_SaveCaller`) into its reply
/// slot, moved out of its CSpace first.
fn answer_caller(objects: &mut ObjectAllocator, r: &Running) -> Result<(), Cause> {
    let restarted = MessageInfo::new(abi::PEER_RESTARTED_LABEL, 0, 0);
    #[cfg(sel4_mcs)]
    if let Some(reply) = r.objects.reply {
        reply.cast::<sel4::cap_type::Endpoint>().nb_send(restarted);
    }
    #[cfg(not(sel4_mcs))]
    if r.objects.endpoint.is_some() {
        // SAFETY: the component's page, read through our own mapping.
        let reply_slot = unsafe { (*r.info).reply_slot };
        let ours = objects.alloc_slot()?;
        let from = r.child.slot(reply_slot);
        // An empty slot (no caller waiting) fails the move: nothing to do.
        if objects.slot(ours).move_from(&from).is_ok() {
            Cap::<sel4::cap_type::Endpoint>::from_cptr(ours).nb_send(restarted);
            let _ = objects.slot(ours).delete();
        }
        objects.free_slot(ours);
    }
    let _ = objects;
    Ok(())
}
