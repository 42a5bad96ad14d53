//! driver: finds the virtio-net device on PCI bus 0, moves the memory BAR
//! its virtio capabilities name into the description's device memory,
//! starts it with virtio-drivers (its queues and buffers in the DMA
//! region), then asks QEMU's user network who 10.0.2.2 is (an ARP request)
//! and waits for the answer on the device's interrupt, blocked.
#![no_std]
#![no_main]

extern crate alloc;

use sel4_net_queue::Mac;
use sel4_system_component::{exit, sel4, Channel, Handler};
use sel4_virtio_hal::{place_virtio_bars, PortCam, SystemHal};
use virtio_drivers::device::net::VirtIONetRaw;
use virtio_drivers::transport::pci::bus::{ConfigurationAccess, DeviceFunction, PciRoot};
use virtio_drivers::transport::pci::{virtio_device_type, PciTransport};
use virtio_drivers::transport::DeviceType;
use virtio_drivers::{BufferDirection, Hal, PAGE_SIZE};

/// The channel the description routes the device's interrupt to.
const IRQ: Channel = Channel::new(1);
/// The interrupt line the description's IOAPIC pin is for.
const IRQ_LINE: u32 = 11;

/// This machine's address on QEMU's user network, and the gateway's.
const OUR_IP: [u8; 4] = [10, 0, 2, 15];
const GATEWAY: [u8; 4] = [10, 0, 2, 2];

type Net = VirtIONetRaw<SystemHal, PciTransport, 16>;

struct Driver {
    net: Net,
    tx: &'static mut [u8],
    tx_token: Option<u16>,
    rx: &'static mut [u8],
    rx_token: u16,
    interrupts: u32,
}

fn fail(what: &str) -> ! {
    sel4::debug_println!("driver: FAILED: {what}");
    exit(1)
}

/// A page of the DMA region (the device reads and writes it in place).
fn dma_page() -> &'static mut [u8] {
    let (_, p) = SystemHal::dma_alloc(1, BufferDirection::Both);
    // SAFETY: dma_alloc gives a zeroed, mapped page this driver alone uses.
    unsafe { core::slice::from_raw_parts_mut(p.as_ptr(), PAGE_SIZE) }
}

/// Finds the virtio-net device, listing bus 0.
fn find(root: &PciRoot<PortCam>) -> DeviceFunction {
    let mut net = None;
    for (df, info) in root.enumerate_bus(0) {
        let kind = virtio_device_type(&info);
        let what = match kind {
            Some(t) => alloc::format!(" (virtio {t:?})"),
            None => alloc::string::String::new(),
        };
        sel4::debug_println!(
            "driver: pci 00:{:02x}.{} {:04x}:{:04x}{what}",
            df.device,
            df.function,
            info.vendor_id,
            info.device_id
        );
        if kind == Some(DeviceType::Network) {
            net = Some(df);
        }
    }
    net.unwrap_or_else(|| fail("no virtio-net device on bus 0"))
}

fn init() -> Driver {
    sel4_virtio_hal::init("dma").unwrap_or_else(|_| fail("no DMA region `dma`"));
    let ports = || PortCam::new().unwrap_or_else(|| fail("no PCI configuration ports"));
    let mut root = PciRoot::new(ports());
    let df = find(&root);
    // Interrupt line (byte 0) and pin (byte 1) of the configuration header.
    let line = ports().read_word(df, 0x3c);
    let placed = place_virtio_bars(&mut root, df)
        .unwrap_or_else(|e| fail(alloc::format!("placing the BARs: {e:?}").as_str()));
    for (bar, paddr) in placed {
        sel4::debug_println!(
            "driver: BAR {bar} of 00:{:02x}.{} moved to {paddr:#x}",
            df.device,
            df.function
        );
    }
    // The firmware's interrupt line (ISA IRQ, an IOAPIC pin in APIC mode)
    // must be the pin the description routes to channel 1.
    if line & 0xff != IRQ_LINE {
        fail(
            alloc::format!(
                "the device interrupts on line {}, not {IRQ_LINE}",
                line & 0xff
            )
            .as_str(),
        );
    }
    let transport = PciTransport::new::<SystemHal, _>(&mut root, df)
        .unwrap_or_else(|e| fail(alloc::format!("the virtio transport: {e}").as_str()));
    let mut net = Net::new(transport)
        .unwrap_or_else(|e| fail(alloc::format!("starting virtio-net: {e}").as_str()));
    let m = net.mac_address();
    sel4::debug_println!(
        "driver: virtio-net up, MAC {}, interrupt line {}",
        Mac(m),
        line & 0xff
    );
    net.enable_interrupts();
    let rx = dma_page();
    // SAFETY: the page is not touched until the device has filled it.
    let rx_token = unsafe { net.receive_begin(rx) }
        .unwrap_or_else(|e| fail(alloc::format!("posting a receive buffer: {e}").as_str()));
    let tx = dma_page();
    let header = net
        .fill_buffer_header(tx)
        .unwrap_or_else(|e| fail(alloc::format!("the frame's header: {e}").as_str()));
    let frame = arp_request(&m);
    tx[header..header + frame.len()].copy_from_slice(&frame);
    let len = header + frame.len();
    // SAFETY: the frame's bytes are not touched until the device is done.
    let tx_token = unsafe { net.transmit_begin(&tx[..len]) }
        .unwrap_or_else(|e| fail(alloc::format!("sending: {e}").as_str()));
    sel4::debug_println!("driver: sent an ARP request for 10.0.2.2");
    Driver {
        net,
        tx,
        tx_token: Some(tx_token),
        rx,
        rx_token,
        interrupts: 0,
    }
}

/// An Ethernet frame asking who has [`GATEWAY`].
fn arp_request(mac: &[u8; 6]) -> [u8; 42] {
    let mut f = [0u8; 42];
    f[0..6].copy_from_slice(&[0xff; 6]);
    f[6..12].copy_from_slice(mac);
    f[12..14].copy_from_slice(&[0x08, 0x06]); // ARP
    f[14..22].copy_from_slice(&[0, 1, 0x08, 0, 6, 4, 0, 1]); // Ethernet, IPv4, request
    f[22..28].copy_from_slice(mac);
    f[28..32].copy_from_slice(&OUR_IP);
    f[38..42].copy_from_slice(&GATEWAY);
    f
}

impl Handler for Driver {
    fn notified(&mut self, channel: Channel) {
        if channel != IRQ {
            return;
        }
        self.interrupts += 1;
        self.net.ack_interrupt();
        let _ = IRQ.irq_ack();
        if let Some(token) = self.tx_token {
            if self.net.poll_transmit() == Some(token) {
                self.tx_token = None;
                // SAFETY: the buffer given to transmit_begin, the device done with it.
                let _ = unsafe { self.net.transmit_complete(token, self.tx) };
            }
        }
        while self.net.poll_receive() == Some(self.rx_token) {
            // SAFETY: the buffer given to receive_begin, now filled.
            let (hdr, len) = unsafe { self.net.receive_complete(self.rx_token, self.rx) }
                .unwrap_or_else(|e| fail(alloc::format!("receiving: {e}").as_str()));
            let frame = &self.rx[hdr..hdr + len];
            let is_reply = len >= 42
                && frame[12..14] == [0x08, 0x06]
                && frame[20..22] == [0, 2]
                && frame[28..32] == GATEWAY
                && frame[38..42] == OUR_IP;
            if is_reply {
                let m = &frame[22..28];
                sel4::debug_println!(
                    "driver: ARP reply after {} interrupts: 10.0.2.2 is at {}",
                    self.interrupts,
                    Mac(m.try_into().expect("six bytes"))
                );
                exit(0)
            }
            sel4::debug_println!("driver: a frame of {len} bytes that is not the reply");
            // SAFETY: as in init.
            self.rx_token = unsafe { self.net.receive_begin(self.rx) }
                .unwrap_or_else(|e| fail(alloc::format!("posting a receive buffer: {e}").as_str()));
        }
    }
}

sel4_system_component::component!(init);
