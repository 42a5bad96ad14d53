//! driver: finds the virtio-net device on PCI bus 0, moves the memory BAR
//! its virtio capabilities name into the description's device memory,
//! starts it with virtio-drivers (its queues in the DMA region) and reads
//! its MAC address.
#![no_std]
#![no_main]

extern crate alloc;

use sel4_system_component::{exit, sel4, Handler};
use sel4_virtio_hal::{place_virtio_bars, PortCam, SystemHal};
use virtio_drivers::device::net::VirtIONetRaw;
use virtio_drivers::transport::pci::bus::PciRoot;
use virtio_drivers::transport::pci::{virtio_device_type, PciTransport};
use virtio_drivers::transport::Transport;

struct Driver;

impl Handler for Driver {}

fn fail(what: &str) -> ! {
    sel4::debug_println!("driver: FAILED: {what}");
    exit(1)
}

fn init() -> Driver {
    sel4_virtio_hal::init("dma").unwrap_or_else(|_| fail("no DMA region `dma`"));
    let cam = PortCam::new().unwrap_or_else(|| fail("no PCI configuration ports"));
    let mut root = PciRoot::new(cam);
    let mut net = None;
    for (df, info) in root.enumerate_bus(0) {
        let kind = virtio_device_type(&info);
        match kind {
            Some(t) => sel4::debug_println!(
                "driver: pci 00:{:02x}.{} {:04x}:{:04x} (virtio {t:?})",
                df.device,
                df.function,
                info.vendor_id,
                info.device_id
            ),
            None => sel4::debug_println!(
                "driver: pci 00:{:02x}.{} {:04x}:{:04x}",
                df.device,
                df.function,
                info.vendor_id,
                info.device_id
            ),
        }
        if kind == Some(virtio_drivers::transport::DeviceType::Network) {
            net = Some(df);
        }
    }
    let df = net.unwrap_or_else(|| fail("no virtio-net device on bus 0"));
    let placed = place_virtio_bars(&mut root, df)
        .unwrap_or_else(|e| fail(alloc::format!("placing the BARs: {e:?}").as_str()));
    for (bar, paddr) in placed {
        sel4::debug_println!(
            "driver: BAR {bar} of 00:{:02x}.{} moved to {paddr:#x}",
            df.device,
            df.function
        );
    }
    let transport = PciTransport::new::<SystemHal, _>(&mut root, df)
        .unwrap_or_else(|e| fail(alloc::format!("the virtio transport: {e}").as_str()));
    if transport.device_type() != virtio_drivers::transport::DeviceType::Network {
        fail("not a network device");
    }
    let net = VirtIONetRaw::<SystemHal, PciTransport, 16>::new(transport)
        .unwrap_or_else(|e| fail(alloc::format!("starting virtio-net: {e}").as_str()));
    let m = net.mac_address();
    sel4::debug_println!(
        "driver: virtio-net up, MAC {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        m[0],
        m[1],
        m[2],
        m[3],
        m[4],
        m[5]
    );
    exit(0)
}

sel4_system_component::component!(init);
