//! virtio-drivers on a component of a system (`system.toml`).
//!
//! The crates.io `virtio-drivers` does the virtio protocol; this crate is
//! what it needs from seL4, for a component whose description gives it:
//!
//! * the PCI configuration ports, `[[component.ioport]] first = 0xcf8,
//!   last = 0xcff`: [`PortCam`] reads and writes configuration space
//!   through that capability (`seL4_X86_IOPort_In32`/`Out32`, the PC's
//!   configuration mechanism #1);
//! * device memory for the device's registers, a `[[memory]]` region with
//!   `phys = ...` mapped uncached: [`place_bar`] moves the memory BAR the
//!   device's virtio capabilities name there (the firmware's choice is
//!   unknown when the description is written; the description's address is
//!   one the PCI window leaves free), and [`SystemHal::mmio_phys_to_virt`]
//!   finds it in the component;
//! * a DMA region, `[[memory]] dma = true`: physically contiguous RAM whose
//!   address the information page gives; [`SystemHal::dma_alloc`] hands
//!   out its pages, and [`SystemHal::share`] gives a device the address of
//!   a buffer inside it, or copies a buffer from elsewhere through pages of
//!   it (a bounce buffer) and back.
//!
//! [`init`] names the DMA region; everything else is found on the
//! information page.
#![no_std]

extern crate alloc;

use core::ptr::NonNull;

use sel4_system_component::{abi, info, sel4};
use virtio_drivers::transport::pci::bus::{
    BarInfo, ConfigurationAccess, DeviceFunction, MemoryBarType, PciRoot,
};
use virtio_drivers::{BufferDirection, Hal, PhysAddr, PAGE_SIZE};

/// The configuration address port of mechanism #1; data is at +4.
const CONFIG_ADDRESS: u16 = 0xcf8;
const CONFIG_DATA: u16 = 0xcfc;

/// PCI configuration space through the I/O ports 0xcf8..0xcff.
#[derive(Debug)]
pub struct PortCam {
    ports: sel4::cap::IoPort,
}

impl PortCam {
    /// Configuration space through the I/O port range of the component's
    /// description that covers 0xcf8..0xcff; `None` if it has none.
    pub fn new() -> Option<Self> {
        let info = info();
        let range = info.ioports[..(info.ioport_count as usize).min(abi::MAX_IOPORTS)]
            .iter()
            .find(|p| p.first <= CONFIG_ADDRESS as u64 && CONFIG_DATA as u64 + 3 <= p.last)?;
        Some(PortCam {
            ports: sel4::Cap::from_cptr(range.slot),
        })
    }

    fn select(&self, df: DeviceFunction, offset: u8) {
        let address = 1 << 31
            | (df.bus as u32) << 16
            | (df.device as u32) << 11
            | (df.function as u32) << 8
            | (offset & 0xfc) as u32;
        // The capability covers the port (checked in `new`).
        let _ = self.ports.out32(CONFIG_ADDRESS, address);
    }
}

impl ConfigurationAccess for PortCam {
    fn read_word(&self, df: DeviceFunction, offset: u8) -> u32 {
        self.select(df, offset);
        self.ports.in32(CONFIG_DATA).unwrap_or(u32::MAX)
    }

    fn write_word(&mut self, df: DeviceFunction, offset: u8, data: u32) {
        self.select(df, offset);
        let _ = self.ports.out32(CONFIG_DATA, data);
    }

    unsafe fn unsafe_clone(&self) -> Self {
        PortCam { ports: self.ports }
    }
}

/// Why a BAR could not be placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarError {
    /// The BAR is not a memory BAR (or does not exist).
    NotMemory,
    /// The component has no I/O port range covering 0xcf8..0xcff.
    NoPorts,
    /// No device memory region of the description is large enough and
    /// aligned for it.
    NoRegion {
        /// The BAR's size in bytes.
        size: u64,
    },
}

/// Moves memory BAR `bar` of `df` into the component's first device
/// memory region (`REGION_DEVICE`) that holds it, aligned to its size, and
/// turns on the device's memory decoding and bus mastering (for DMA).
/// Returns the physical address it now has.
pub fn place_bar<C: ConfigurationAccess>(
    root: &mut PciRoot<C>,
    df: DeviceFunction,
    bar: u8,
) -> Result<u64, BarError> {
    let info_bar = root.bar_info(df, bar).map_err(|_| BarError::NotMemory)?;
    let Some(BarInfo::Memory {
        address_type, size, ..
    }) = info_bar
    else {
        return Err(BarError::NotMemory);
    };
    let info = info();
    let region = info
        .valid_regions()
        .iter()
        .find(|r| {
            r.flags & abi::REGION_DEVICE != 0
                && r.paddr.is_multiple_of(size.max(1))
                && r.size >= size
        })
        .ok_or(BarError::NoRegion { size })?;
    use virtio_drivers::transport::pci::bus::Command;
    let (_, mut command) = root.get_status_command(df);
    // Decoding off while the BAR moves.
    root.set_command(df, command - Command::MEMORY_SPACE);
    match address_type {
        MemoryBarType::Width64 => root.set_bar_64(df, bar, region.paddr),
        _ => root.set_bar_32(df, bar, region.paddr as u32),
    }
    command |= Command::MEMORY_SPACE | Command::BUS_MASTER;
    root.set_command(df, command);
    Ok(region.paddr)
}

/// Places every memory BAR that `df`'s virtio capabilities point into
/// ([`place_bar`], for each BAR index named at byte 4 of a vendor
/// capability, the configuration-access one aside); the BARs moved and
/// their new addresses, in BAR order.
pub fn place_virtio_bars(
    root: &mut PciRoot<PortCam>,
    df: DeviceFunction,
) -> Result<alloc::vec::Vec<(u8, u64)>, BarError> {
    // The same ports as `root`'s own access (a component has one range
    // covering them).
    let reader = PortCam::new().ok_or(BarError::NoPorts)?;
    let mut bars = 0u8;
    for cap in root.capabilities(df) {
        // Byte 3 of a virtio capability is its type; the PCI-configuration
        // access kind (VIRTIO_PCI_CAP_PCI_CFG, 5) names no BAR of its own.
        let cfg_type = (cap.private_header >> 8) as u8;
        if cap.id == virtio_drivers::transport::pci::bus::PCI_CAP_ID_VNDR && cfg_type != 5 {
            bars |= 1 << (reader.read_word(df, cap.offset + 4) & 0x7);
        }
    }
    let mut placed = alloc::vec::Vec::new();
    for bar in 0..6 {
        if bars & (1 << bar) != 0 {
            placed.push((bar, place_bar(root, df, bar)?));
        }
    }
    Ok(placed)
}

/// The DMA region: where it is in the component and for devices, and
/// which of its pages are in use.
struct Dma {
    vaddr: usize,
    paddr: u64,
    pages: usize,
    used: [u64; MAX_DMA_PAGES / 64],
}

/// The largest DMA region [`init`] accepts, in pages (16 MiB).
pub const MAX_DMA_PAGES: usize = 4096;

static DMA: spin::Mutex<Option<Dma>> = spin::Mutex::new(None);

/// Why [`init`] refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitError {
    /// The component maps no region of that name with `REGION_DMA`.
    NoDmaRegion,
    /// The region is larger than [`MAX_DMA_PAGES`] pages.
    TooLarge,
}

/// Makes the component's region `dma_region` (a `dma = true` region it
/// maps read-write) the memory of [`SystemHal`]'s DMA allocations.
pub fn init(dma_region: &str) -> Result<(), InitError> {
    let info = info();
    let r = info
        .valid_regions()
        .iter()
        .find(|r| {
            abi::name_str(&r.name) == dma_region
                && r.flags & abi::REGION_DMA != 0
                && r.flags & abi::REGION_WRITE != 0
        })
        .ok_or(InitError::NoDmaRegion)?;
    let pages = r.size as usize / PAGE_SIZE;
    if pages > MAX_DMA_PAGES {
        return Err(InitError::TooLarge);
    }
    *DMA.lock() = Some(Dma {
        vaddr: r.vaddr as usize,
        paddr: r.paddr,
        pages,
        used: [0; MAX_DMA_PAGES / 64],
    });
    Ok(())
}

impl Dma {
    fn is_used(&self, page: usize) -> bool {
        self.used[page / 64] & (1 << (page % 64)) != 0
    }

    fn set(&mut self, first: usize, n: usize, used: bool) {
        for p in first..first + n {
            if used {
                self.used[p / 64] |= 1 << (p % 64);
            } else {
                self.used[p / 64] &= !(1 << (p % 64));
            }
        }
    }

    /// The first run of `n` free pages, marked used.
    fn take(&mut self, n: usize) -> Option<usize> {
        let mut run = 0;
        for p in 0..self.pages {
            run = if self.is_used(p) { 0 } else { run + 1 };
            if run == n {
                let first = p + 1 - n;
                self.set(first, n, true);
                return Some(first);
            }
        }
        None
    }

    /// The page index of `vaddr .. vaddr + len` if it lies in the region.
    fn offset_of(&self, vaddr: usize, len: usize) -> Option<usize> {
        let end = vaddr.checked_add(len)?;
        (vaddr >= self.vaddr && end <= self.vaddr + self.pages * PAGE_SIZE)
            .then(|| vaddr - self.vaddr)
    }
}

/// Bounce buffers of [`SystemHal::share`] for memory outside the DMA
/// region: (device address, first page, pages).
static BOUNCED: spin::Mutex<alloc::vec::Vec<(PhysAddr, usize, usize)>> =
    spin::Mutex::new(alloc::vec::Vec::new());

/// `virtio_drivers::Hal` on a system component (see the crate
/// documentation). Allocations fail with a panic when the DMA region is
/// exhausted or [`init`] was not called (the trait has no error return):
/// the component then faults and is reported, or restarted.
#[derive(Debug)]
pub struct SystemHal;

// SAFETY: dma_alloc hands out zeroed pages of the DMA region, each run
// marked used until dma_dealloc, so allocations never alias; the region is
// mapped read-write in this component and its physical address is the
// initializer's (contiguous: REGION_DMA). mmio_phys_to_virt only returns
// addresses inside device regions the component maps. share gives the
// device either the buffer's own physical address (inside the region) or
// a bounce buffer's, copied in and out.
unsafe impl Hal for SystemHal {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        let mut dma = DMA.lock();
        let dma = dma
            .as_mut()
            .expect("sel4_virtio_hal::init names the DMA region");
        let first = dma
            .take(pages)
            .expect("the DMA region has room (make it larger in the description)");
        let vaddr = dma.vaddr + first * PAGE_SIZE;
        // SAFETY: the pages are in the region, mapped read-write, and now
        // this allocation's alone.
        unsafe { core::ptr::write_bytes(vaddr as *mut u8, 0, pages * PAGE_SIZE) };
        let paddr = dma.paddr + (first * PAGE_SIZE) as u64;
        (
            paddr,
            NonNull::new(vaddr as *mut u8).expect("the region is not at 0"),
        )
    }

    unsafe fn dma_dealloc(_paddr: PhysAddr, vaddr: NonNull<u8>, pages: usize) -> i32 {
        let mut dma = DMA.lock();
        let Some(dma) = dma.as_mut() else { return -1 };
        match dma.offset_of(vaddr.as_ptr() as usize, pages * PAGE_SIZE) {
            Some(off) => {
                dma.set(off / PAGE_SIZE, pages, false);
                0
            }
            None => -1,
        }
    }

    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, size: usize) -> NonNull<u8> {
        let info = info();
        let r = info
            .valid_regions()
            .iter()
            .find(|r| {
                r.flags & abi::REGION_DEVICE != 0
                    && r.paddr <= paddr
                    && paddr + size as u64 <= r.paddr + r.size
            })
            .expect("the device's registers are in device memory the description maps");
        NonNull::new((r.vaddr + (paddr - r.paddr)) as *mut u8).expect("mapped above 0")
    }

    unsafe fn share(buffer: NonNull<[u8]>, direction: BufferDirection) -> PhysAddr {
        let vaddr = buffer.as_ptr() as *mut u8 as usize;
        let len = buffer.len();
        let mut dma = DMA.lock();
        let dma = dma
            .as_mut()
            .expect("sel4_virtio_hal::init names the DMA region");
        if let Some(off) = dma.offset_of(vaddr, len) {
            return dma.paddr + off as u64;
        }
        let pages = len.div_ceil(PAGE_SIZE).max(1);
        let first = dma
            .take(pages)
            .expect("the DMA region has room for a bounce buffer");
        let bounce = dma.vaddr + first * PAGE_SIZE;
        if direction != BufferDirection::DeviceToDriver {
            // SAFETY: the caller's buffer is valid for `len` bytes; the
            // bounce pages are this call's alone.
            unsafe { core::ptr::copy_nonoverlapping(vaddr as *const u8, bounce as *mut u8, len) };
        }
        let paddr: PhysAddr = dma.paddr + (first * PAGE_SIZE) as u64;
        BOUNCED.lock().push((paddr, first, pages));
        paddr
    }

    unsafe fn unshare(paddr: PhysAddr, buffer: NonNull<[u8]>, direction: BufferDirection) {
        let mut bounced = BOUNCED.lock();
        let Some(i) = bounced.iter().position(|&(p, _, _)| p == paddr) else {
            // The buffer was in the DMA region itself: nothing to copy.
            return;
        };
        let (_, first, pages) = bounced.swap_remove(i);
        let mut dma = DMA.lock();
        let Some(dma) = dma.as_mut() else { return };
        if direction != BufferDirection::DriverToDevice {
            let bounce = dma.vaddr + first * PAGE_SIZE;
            // SAFETY: as in `share`; the device is done with the bounce pages.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    bounce as *const u8,
                    buffer.as_ptr() as *mut u8,
                    buffer.len(),
                )
            };
        }
        dma.set(first, pages, false);
    }
}
