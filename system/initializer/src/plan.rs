//! What the initializer starts: a system description as constant data.
//!
//! `sel4-system-build` writes a [`Plan`] from a checked `system.toml` at
//! build time, with every component's ELF image included, and
//! [`include_system!`](crate::include_system) puts it into the image. The
//! fields mirror `sel4-system-description`'s types, which the build
//! helper has already checked (names, ids, alignment, overlaps, memory);
//! the initializer checks again only what it relies on for safety.

/// A whole system.
#[derive(Debug)]
pub struct Plan {
    /// The system's name.
    pub name: &'static str,
    /// Components in start order.
    pub components: &'static [Component],
    /// Shared memory regions.
    pub regions: &'static [Region],
    /// Channels between components.
    pub channels: &'static [Channel],
    /// Indices of the components whose exit ends the system (empty: it
    /// runs until the machine stops).
    pub wait_for: &'static [usize],
}

/// One component.
#[derive(Debug)]
pub struct Component {
    /// Its name (at most `sel4_system_abi::NAME_BYTES - 1` bytes).
    pub name: &'static str,
    /// Its ELF image.
    pub elf: &'static [u8],
    /// Thread priority.
    pub priority: u8,
    /// Stack size in bytes.
    pub stack: usize,
    /// Heap size in bytes (page multiple), mapped at `sel4_system_abi::HEAP_VADDR`.
    pub heap: usize,
    /// MCS budget and period in microseconds.
    pub budget_us: u64,
    /// MCS period in microseconds.
    pub period_us: u64,
    /// Restarted from its initial state when it faults.
    pub restart: bool,
    /// May set alarms on the system's timer (`sel4_system_abi::TIMER_LABEL`).
    pub timer: bool,
    /// The component that receives its faults, if not the initializer.
    pub supervisor: Option<usize>,
    /// Memory regions mapped into it.
    pub maps: &'static [Map],
    /// I/O port ranges it may use.
    pub ioports: &'static [IoPorts],
    /// Interrupts it handles.
    pub irqs: &'static [Irq],
}

/// A mapping of a region into a component.
#[derive(Debug)]
pub struct Map {
    /// Index into [`Plan::regions`].
    pub region: usize,
    /// Page-aligned address in the component.
    pub vaddr: usize,
    /// `sel4_system_abi::REGION_*` flags.
    pub flags: u64,
}

/// A shared memory region.
#[derive(Debug)]
pub struct Region {
    /// Its name.
    pub name: &'static str,
    /// Size in bytes (page multiple).
    pub size: usize,
    /// Physical address of device memory; `None` for RAM.
    pub phys: Option<usize>,
    /// Physically contiguous RAM, its address on the information page.
    pub dma: bool,
}

/// A range of I/O ports.
#[derive(Debug)]
pub struct IoPorts {
    /// First port.
    pub first: u16,
    /// Last port (inclusive).
    pub last: u16,
}

/// An interrupt routed through the IOAPIC.
#[derive(Debug)]
pub struct Irq {
    /// IOAPIC number.
    pub ioapic: u8,
    /// Pin on it.
    pub pin: u8,
    /// Level-triggered (else edge).
    pub level: bool,
    /// Active low (else high).
    pub active_low: bool,
    /// The channel id whose notification bit it sets.
    pub channel: u8,
}

/// A channel: a notification each way, and protected calls from `from`
/// to `to` if `protected`.
#[derive(Debug)]
pub struct Channel {
    /// The calling end: component index and channel id.
    pub from: (usize, u8),
    /// The called end.
    pub to: (usize, u8),
    /// Whether `from` may call `to`.
    pub protected: bool,
}

/// A plan with no components: what an image built without a description
/// holds (the initializer refuses to run it).
pub const EMPTY: Plan = Plan {
    name: "",
    components: &[],
    regions: &[],
    channels: &[],
    wait_for: &[],
};
