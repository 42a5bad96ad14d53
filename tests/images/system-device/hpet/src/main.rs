//! `hpet`: reads the HPET's registers through the device memory its
//! description maps: the capabilities (vendor, revision, timers, period),
//! then the main counter, enabled for a moment, twice. Its DMA region's
//! physical address is on its information page.
#![no_std]
#![no_main]

use sel4_system_component::{abi, exit, info, sel4, Handler};

struct Hpet;

/// HPET registers (byte offsets).
const CAPABILITIES: usize = 0x0;
const CONFIGURATION: usize = 0x10;
const MAIN_COUNTER: usize = 0xf0;

fn init() -> Hpet {
    let info = info();
    let r = &info.regions[0];
    assert!(info.region_count == 2 && abi::name_str(&r.name) == "hpet");
    let dma = &info.regions[1];
    let dma_ok = dma.flags & abi::REGION_DMA != 0
        && dma.paddr != 0
        && dma.paddr.is_multiple_of(4096)
        && dma.flags & abi::REGION_DEVICE == 0;
    sel4::debug_println!(
        "hpet: region `{}` of {} bytes at {:#x}: {} at physical {:#x}",
        abi::name_str(&dma.name),
        dma.size,
        dma.vaddr,
        if dma_ok {
            "DMA memory"
        } else {
            "FAILED: not DMA memory"
        },
        dma.paddr
    );
    let device = r.flags & abi::REGION_DEVICE != 0;
    let uncached = r.flags & abi::REGION_UNCACHED != 0;
    sel4::debug_println!(
        "hpet: region `hpet` at {:#x}, physical {:#x}, {}, {}",
        r.vaddr,
        r.paddr,
        if device { "device memory" } else { "RAM" },
        if uncached { "uncached" } else { "cached" }
    );
    let base = r.vaddr as usize;
    // SAFETY: the initializer mapped the HPET's register page here,
    // uncached; the registers are 64 bits wide and 8-byte aligned.
    let reg = |off: usize| unsafe { ((base + off) as *const u64).read_volatile() };
    let caps = reg(CAPABILITIES);
    sel4::debug_println!(
        "hpet: vendor {:#x}, revision {}, {} timers, period {} fs",
        (caps >> 16) & 0xffff,
        caps & 0xff,
        ((caps >> 8) & 0x1f) + 1,
        caps >> 32
    );
    // Enable the counter, read it twice, disable it again.
    // SAFETY: as above; the configuration register is writable.
    unsafe { ((base + CONFIGURATION) as *mut u64).write_volatile(1) };
    let first = reg(MAIN_COUNTER);
    let mut second = first;
    for _ in 0..1000 {
        second = reg(MAIN_COUNTER);
        if second != first {
            break;
        }
    }
    // SAFETY: as above.
    unsafe { ((base + CONFIGURATION) as *mut u64).write_volatile(0) };
    if second != first {
        sel4::debug_println!("hpet: the main counter ran ({first} then {second})");
    }
    exit(
        if (caps >> 16) & 0xffff == 0x8086 && second != first && dma_ok {
            0
        } else {
            1
        },
    )
}

impl Handler for Hpet {}

sel4_system_component::component!(init);
