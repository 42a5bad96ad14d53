//! The contract between the system initializer (`sel4-system-initializer`)
//! and the components it starts: where a component finds what its system
//! description gave it.
//!
//! Every component of a system gets, besides what `substrate-loader` gives
//! any child component (image, stack, IPC buffer, TLS block, an endpoint to
//! its parent in slot 1):
//!
//! * a read-only **system information page** at [`INFO_VADDR`], a
//!   [`SystemInfo`]: its name, the capability slots of its channels, its
//!   notification and endpoint, its memory regions, heap, interrupts and
//!   I/O ports. The initializer writes it before the component starts and
//!   updates only the restart counters afterwards;
//! * a **heap** of the size its description names at [`HEAP_VADDR`];
//! * the capabilities the page lists, in its CSpace, and nothing else.
//!
//! The layout is `#[repr(C)]` with 64-bit fields only, so C (`substrate.h`),
//! OCaml's C stubs and Rust read it alike. Its [`VERSION`] changes when the
//! layout does.
//!
//! # Badges
//!
//! A component waits on one notification (bound to its thread when it also
//! serves protected calls on its endpoint, so one `seL4_Recv` gets both).
//! Bit `id` of a notification's badge is channel `id`'s signal (ids below
//! [`MAX_CHANNELS`]); bit [`CONTROL_BIT`] says the initializer has news
//! (a peer restarted: see [`Channel::peer_restarts`]); interrupts signal
//! the bit of the channel id their description names. Protected calls
//! arrive on the endpoint with [`CALL_FLAG`] and the callee's channel id in
//! the badge; faults of components this one supervises with [`FAULT_FLAG`]
//! and the child's index in [`SystemInfo::children`]. All of it fits
//! seL4 5.0's 28-bit badges.
#![no_std]

/// The layout version in [`SystemInfo::version`].
pub const VERSION: u64 = 4;

/// [`SystemInfo::magic`]: `"sel4sys\0"` little-endian.
pub const MAGIC: u64 = u64::from_le_bytes(*b"sel4sys\0");

/// Where the system information page is mapped (read-only): 2 MiB, below
/// the image (which links at 4 MiB).
pub const INFO_VADDR: usize = 0x20_0000;

/// Where the component's heap starts; its size is [`SystemInfo::heap_size`].
pub const HEAP_VADDR: usize = 0x40_0000_0000;

/// The window in which a description may map memory regions into a
/// component: from 4 GiB up to [`HEAP_VADDR`]. The image and the runtime
/// region above it (guard, stack, IPC buffer, TLS) must end below its start.
pub const REGION_WINDOW: core::ops::Range<usize> = 0x1_0000_0000..HEAP_VADDR;

/// The largest heap a description may ask for (the heap must end below
/// the loader's temporary window and the user address space's top).
pub const MAX_HEAP: usize = 0x40_0000_0000;

/// Channel ids a component may use: `0..MAX_CHANNELS`.
pub const MAX_CHANNELS: usize = 24;

/// Memory regions a component may map.
pub const MAX_REGIONS: usize = 16;

/// Interrupts a component may hold.
pub const MAX_IRQS: usize = 8;

/// I/O port ranges a component may hold.
pub const MAX_IOPORTS: usize = 8;

/// Components one component may supervise.
pub const MAX_CHILDREN: usize = 8;

/// Bytes of a name (UTF-8, zero-padded; the last byte is always 0).
pub const NAME_BYTES: usize = 32;

/// Notification badge bit: the initializer has news (a peer restarted).
pub const CONTROL_BIT: u32 = 24;

/// Notification badge bit: the component's alarm ([`TIMER_LABEL`]) went
/// off.
pub const TIMER_BIT: u32 = 25;

/// Endpoint badge flag of a protected call (the low bits are the callee's
/// channel id).
pub const CALL_FLAG: u64 = 1 << 27;

/// Endpoint badge flag of a supervised child's fault (the low bits are the
/// child's index in [`SystemInfo::children`]).
pub const FAULT_FLAG: u64 = 1 << 26;

/// Label of a supervisor's request to the initializer (on the parent
/// endpoint, `substrate_component::abi::ENDPOINT_SLOT`) to restart the
/// child whose index is message register 0. The reply's label is 0 on
/// success, else an error of [`RestartError`].
pub const RESTART_LABEL: u64 = 0x5e1;

/// Label of a component's console line, a call on the parent endpoint:
/// message register 0 is the number of bytes, the bytes follow packed
/// little-endian from message register 1 (at most [`CONSOLE_BYTES`]).
/// The initializer prints the line whole, so lines of several components
/// never mix, and replies with label 0.
pub const CONSOLE_LABEL: u64 = 0x5e2;

/// Label of a component's call on the parent endpoint saying its `init`
/// has returned (after each start); the initializer replies with label 0
/// and reports the system's start-up cost once every component has.
pub const INIT_DONE_LABEL: u64 = 0x5e3;

/// Label of a component's call on the parent endpoint setting its alarm:
/// message register 0 is the deadline in nanoseconds of the system's clock
/// (the TSC scaled by [`SystemInfo::tsc_hz`]), `u64::MAX` to cancel. The
/// initializer's timer signals [`TIMER_BIT`] of the component's
/// notification once the deadline has passed (at once if it has already);
/// a new alarm replaces the previous one, and a restart cancels it. The
/// reply's label is 0, [`TIMER_NOT_GRANTED`] for a component whose
/// description does not say `timer = true`, or [`TIMER_FAILED`].
pub const TIMER_LABEL: u64 = 0x5e4;

/// The reply label to [`TIMER_LABEL`] for a component without a timer.
pub const TIMER_NOT_GRANTED: u64 = 1;

/// The reply label to [`TIMER_LABEL`] when the alarm could not be set (the
/// initializer's heap is full, or the kernel refused to program the PIT).
pub const TIMER_FAILED: u64 = 2;

/// The most bytes one [`CONSOLE_LABEL`] message carries.
pub const CONSOLE_BYTES: usize = 512;

/// Label of the error reply a caller gets when the component it called
/// faulted before answering and was restarted (only restartable components
/// keep the reply capability where the initializer can answer it).
pub const PEER_RESTARTED_LABEL: u64 = 0xdead;

/// [`Channel::flags`]: the channel can carry notifications
/// ([`Channel::notify_slot`] signals the peer).
pub const CHANNEL_NOTIFY: u64 = 1;
/// [`Channel::flags`]: this end may make protected calls to the peer
/// ([`Channel::call_slot`]).
pub const CHANNEL_CALLS: u64 = 2;
/// [`Channel::flags`]: the peer may make protected calls to this end.
pub const CHANNEL_SERVES: u64 = 4;
/// [`Channel::flags`]: an interrupt signals this channel id (no peer).
pub const CHANNEL_IRQ: u64 = 8;

/// [`Region::flags`]: readable.
pub const REGION_READ: u64 = 1;
/// [`Region::flags`]: writable.
pub const REGION_WRITE: u64 = 2;
/// [`Region::flags`]: executable.
pub const REGION_EXECUTE: u64 = 4;
/// [`Region::flags`]: mapped uncached (device memory, or a description's
/// `cached = false`).
pub const REGION_UNCACHED: u64 = 8;
/// [`Region::flags`]: device memory at the physical address in [`Region::paddr`].
pub const REGION_DEVICE: u64 = 16;
/// [`Region::flags`]: physically contiguous RAM starting at
/// [`Region::paddr`], for a device's DMA (`dma = true`).
pub const REGION_DMA: u64 = 32;

/// Why the initializer refused a restart request ([`RESTART_LABEL`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum RestartError {
    /// No child with that index.
    NoSuchChild = 1,
    /// The child's description does not say `restart = true`.
    NotRestartable = 2,
    /// Restoring the child failed (reported on the initializer's console).
    Failed = 3,
}

impl RestartError {
    /// The result a reply to [`RESTART_LABEL`] carries in its label: 0 is
    /// success, a known error its variant, anything else [`RestartError::Failed`].
    pub fn from_reply_label(label: u64) -> Result<(), RestartError> {
        match label {
            0 => Ok(()),
            l if l == RestartError::NoSuchChild as u64 => Err(RestartError::NoSuchChild),
            l if l == RestartError::NotRestartable as u64 => Err(RestartError::NotRestartable),
            _ => Err(RestartError::Failed),
        }
    }
}

impl core::fmt::Display for RestartError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            RestartError::NoSuchChild => "no such child",
            RestartError::NotRestartable => "its description does not say restart = true",
            RestartError::Failed => "restoring it failed",
        })
    }
}

/// One end of a channel, as this component sees it.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C)]
pub struct Channel {
    /// `CHANNEL_*` flags; 0 if the id is unused.
    pub flags: u64,
    /// Slot of a capability to the peer's notification, badged with the
    /// peer's id for this channel (0 if none).
    pub notify_slot: u64,
    /// Slot of a capability to the peer's endpoint, badged with
    /// [`CALL_FLAG`] and the peer's id for this channel (0 unless
    /// [`CHANNEL_CALLS`]).
    pub call_slot: u64,
    /// Index of the peer component in the system (for messages).
    pub peer: u64,
    /// How often the peer has been restarted; the initializer increments
    /// it, then signals [`CONTROL_BIT`].
    pub peer_restarts: u64,
}

/// A memory region mapped into the component.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct Region {
    /// The region's name in the description.
    pub name: [u8; NAME_BYTES],
    /// Where it is mapped.
    pub vaddr: u64,
    /// Its size in bytes (a multiple of 4 KiB).
    pub size: u64,
    /// `REGION_*` flags.
    pub flags: u64,
    /// Physical address of device memory or of DMA memory (its first
    /// byte; the rest follows contiguously); 0 otherwise.
    pub paddr: u64,
}

/// An interrupt the component handles.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C)]
pub struct Irq {
    /// Slot of the IRQ handler capability (acknowledge with `seL4_IRQHandler_Ack`).
    pub handler_slot: u64,
    /// The channel id whose notification bit the interrupt sets.
    pub channel: u64,
    /// The IOAPIC and its pin (as the description names them: a driver
    /// checks them against the device's interrupt line).
    pub ioapic: u64,
    /// See [`Irq::ioapic`].
    pub pin: u64,
}

/// A range of I/O ports the component may use.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C)]
pub struct IoPorts {
    /// Slot of the `seL4_X86_IOPort` capability.
    pub slot: u64,
    /// First port.
    pub first: u64,
    /// Last port (inclusive).
    pub last: u64,
}

/// A component this one supervises: its faults arrive on this one's
/// endpoint with [`FAULT_FLAG`] and the index into [`SystemInfo::children`].
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct Child {
    /// The child's name.
    pub name: [u8; NAME_BYTES],
    /// Index of the child in the system.
    pub component: u64,
}

/// The system information page (see the crate documentation).
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct SystemInfo {
    /// [`MAGIC`].
    pub magic: u64,
    /// [`VERSION`].
    pub version: u64,
    /// This component's name.
    pub name: [u8; NAME_BYTES],
    /// Index of this component in the system.
    pub component: u64,
    /// How often this component has been restarted.
    pub restarts: u64,
    /// Slot of this component's notification (with read right only: wait on it).
    pub notification_slot: u64,
    /// Slot of this component's endpoint if a peer may call it, else 0;
    /// the notification is then bound to its thread.
    pub endpoint_slot: u64,
    /// Slot of the reply capability: an MCS reply object, or (non-MCS)
    /// where a restartable component saves its caller's reply capability
    /// (`seL4_CNode_SaveCaller`) so the initializer can answer it after a
    /// fault. 0 if the component serves no calls.
    pub reply_slot: u64,
    /// Slot of a capability to the component's own CNode (no guard: name
    /// slots with depth 8), given only to restartable components that
    /// serve calls on non-MCS kernels, for `seL4_CNode_SaveCaller` into
    /// [`SystemInfo::reply_slot`]; else 0.
    pub cnode_slot: u64,
    /// 1 if the description says `restart = true`.
    pub restartable: u64,
    /// Start of the heap ([`HEAP_VADDR`]) and its size in bytes.
    pub heap_base: u64,
    /// The heap's size in bytes (a multiple of 4 KiB).
    pub heap_size: u64,
    /// Where the component's stack starts (its lowest address; the guard
    /// page is below it) and ends (the initial stack pointer's page end).
    pub stack_bottom: u64,
    /// The end of the stack (exclusive).
    pub stack_top: u64,
    /// Channels by id.
    pub channels: [Channel; MAX_CHANNELS],
    /// Number of valid entries in `regions`.
    pub region_count: u64,
    /// Memory regions.
    pub regions: [Region; MAX_REGIONS],
    /// Number of valid entries in `irqs`.
    pub irq_count: u64,
    /// Interrupts.
    pub irqs: [Irq; MAX_IRQS],
    /// Number of valid entries in `ioports`.
    pub ioport_count: u64,
    /// I/O port ranges.
    pub ioports: [IoPorts; MAX_IOPORTS],
    /// Number of valid entries in `children`.
    pub child_count: u64,
    /// Components this one supervises.
    pub children: [Child; MAX_CHILDREN],
    /// The time-stamp counter's frequency in Hz as the initializer measured
    /// it (against the PIT), if the system has a timer (some component's
    /// description says `timer = true`); else 0. Every component of such a
    /// system reads the clock itself (`rdtsc`, unprivileged on x86_64).
    pub tsc_hz: u64,
    /// 1 if this component may set alarms ([`TIMER_LABEL`]).
    pub timer: u64,
    /// What the kernel's BootInfo told the initializer (the root task).
    pub boot: BootFigures,
}

impl SystemInfo {
    /// The valid entries of [`SystemInfo::regions`] (`region_count` of
    /// them; never more than [`MAX_REGIONS`], whatever the count says).
    pub fn valid_regions(&self) -> &[Region] {
        &self.regions[..(self.region_count as usize).min(MAX_REGIONS)]
    }

    /// The region named `name` that the component maps read-write, if any.
    pub fn writable_region(&self, name: &str) -> Option<&Region> {
        self.valid_regions()
            .iter()
            .find(|r| name_str(&r.name) == name && r.flags & REGION_WRITE != 0)
    }

    /// The valid entries of [`SystemInfo::irqs`] (`irq_count` of them;
    /// never more than [`MAX_IRQS`]).
    pub fn valid_irqs(&self) -> &[Irq] {
        &self.irqs[..(self.irq_count as usize).min(MAX_IRQS)]
    }
}

/// Figures from the kernel's `seL4_BootInfo` as the root task received it,
/// before the initializer used any of it.
#[derive(Debug, Clone, Copy)]
#[repr(C)]
pub struct BootFigures {
    /// Untyped capabilities (`untyped`), RAM and device memory.
    pub untypeds: u64,
    /// Those of them that are RAM (`untypedList[i].isDevice == 0`).
    pub ram_untypeds: u64,
    /// Bytes of untyped RAM.
    pub ram_bytes: u64,
    /// Bytes of device untypeds.
    pub device_bytes: u64,
    /// Empty slots of the root task's CNode (`empty`).
    pub empty_slots: u64,
    /// Radix of the root task's CNode in bits (`initThreadCNodeSizeBits`).
    pub cnode_size_bits: u64,
    /// Frames of the root task's image (`userImageFrames`).
    pub image_frames: u64,
    /// Cores the kernel runs on (`numNodes`).
    pub nodes: u64,
}

// Every badge bit fits seL4 5.0's 28-bit badges, and channel bits stay
// below the control bit.
const _: () = assert!(CALL_FLAG < 1 << 28 && FAULT_FLAG < 1 << 28);
const _: () = assert!(MAX_CHANNELS as u32 <= CONTROL_BIT);
const _: () = assert!(CONTROL_BIT < TIMER_BIT && TIMER_BIT < 28);

// The page is one 4 KiB frame.
const _: () = assert!(core::mem::size_of::<SystemInfo>() <= 4096);

/// The first slot the initializer fills with what a description grants
/// (slots 1-3 belong to `substrate-loader`'s contract).
pub const FIRST_GRANTED_SLOT: u64 = 4;

/// Copies `name` into a zero-padded name field, truncated to
/// `NAME_BYTES - 1` bytes.
pub const fn name_bytes(name: &str) -> [u8; NAME_BYTES] {
    let mut out = [0; NAME_BYTES];
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() && i < NAME_BYTES - 1 {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

/// The name stored in a name field: bytes up to the first 0, or `"?"` if
/// they are not UTF-8.
pub fn name_str(name: &[u8; NAME_BYTES]) -> &str {
    let len = name.iter().position(|&b| b == 0).unwrap_or(NAME_BYTES);
    core::str::from_utf8(&name[..len]).unwrap_or("?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_truncate() {
        assert_eq!(name_str(&name_bytes("pong")), "pong");
        let long = "a".repeat(40);
        assert_eq!(name_str(&name_bytes(&long)).len(), NAME_BYTES - 1);
    }
}
