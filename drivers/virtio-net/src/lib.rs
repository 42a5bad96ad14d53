//! The virtio-net driver component.
//!
//! Its description gives it (see `tests/images/system-net-queue`):
//! the PCI configuration ports 0xcf8..0xcff; device memory for the
//! device's registers (the driver moves the BAR there); a `dma` region for
//! the device's queues and its own frame buffers; the five regions of
//! `sel4-net-queue` shared with its client on channel 0 (which calls it,
//! `ATTACH_LABEL`, to start the queues and learn the MAC address); and the device's
//! interrupt on channel 1 (its IOAPIC pin the firmware's interrupt line,
//! which the driver checks).
//!
//! Received frames are copied from the device's buffers into buffers the
//! client offered; frames the client queues are copied into the driver's
//! own transmit buffers. The client never sees DMA memory, and nothing it
//! writes into the shared regions reaches the device unchecked. The driver
//! blocks until the device interrupts or the client signals. Until the
//! client's first `ATTACH_LABEL` call, and after the client wrote an
//! impossible ring state until its next one, received frames are dropped.
//!
//! The component (`src/main.rs`) is `component!(sel4_virtio_net::init)`;
//! [`Driver::init_with`] gives a test a look at every received frame.
#![no_std]

extern crate alloc;

use sel4_net_queue::{mac_to_word, DriverQueues, Mac, QueueError, Signal, ATTACH_LABEL};
use sel4_system_component::{exit, sel4, set_mr, Channel, Handler, MessageInfo};
use sel4_virtio_hal::{place_virtio_bars, PortCam, SystemHal};
use virtio_drivers::device::net::VirtIONetRaw;
use virtio_drivers::transport::pci::bus::{ConfigurationAccess, PciRoot};
use virtio_drivers::transport::pci::{virtio_device_type, PciTransport};
use virtio_drivers::transport::DeviceType;
use virtio_drivers::{BufferDirection, Hal, PAGE_SIZE};

/// The client's channel and the device's interrupt's.
const CLIENT: Channel = Channel::new(0);
const IRQ: Channel = Channel::new(1);

/// Descriptors per virtqueue, and the driver's buffers each way.
const QUEUE: usize = 16;
const BUFFERS: usize = 8;

type Net = VirtIONetRaw<SystemHal, PciTransport, QUEUE>;

/// A DMA page the device reads or writes.
type Page = &'static mut [u8];

/// The driver's state; its [`Handler`] serves the client and the device.
pub struct Driver {
    net: Net,
    /// The client's queues, from its `ATTACH_LABEL` call on.
    queues: Option<DriverQueues>,
    /// Receive buffers posted to the device, by token.
    rx: [(u16, Option<Page>); BUFFERS],
    /// Transmit buffers: free, or in flight with their token.
    tx_free: alloc::vec::Vec<Page>,
    tx_busy: alloc::vec::Vec<(u16, Page, usize)>,
    dropped: u64,
    inspect: Inspect,
}

/// A test's look at each received frame ([`Driver::init_with`]): it may
/// change the bytes, and returns how many of them the client gets.
pub type Inspect = fn(&mut [u8]) -> usize;

fn fail(what: &str) -> ! {
    sel4::debug_println!("virtio-net: {what}");
    exit(1)
}

fn dma_page() -> Page {
    let (_, p) = SystemHal::dma_alloc(1, BufferDirection::Both);
    // SAFETY: dma_alloc gives a zeroed, mapped page this driver alone uses.
    unsafe { core::slice::from_raw_parts_mut(p.as_ptr(), PAGE_SIZE) }
}

/// Finds the device and starts it (what the component does before
/// serving; it attaches to the client's queues on the client's call); a
/// problem ends the component (status 1) after saying what it is.
pub fn init() -> Driver {
    Driver::init_with(|frame| frame.len())
}

impl Driver {
    /// [`init`], calling `inspect` with every frame received before the
    /// client gets it (for tests: a fault, or a malformed frame, injected
    /// on a given frame).
    pub fn init_with(inspect: Inspect) -> Driver {
        sel4_virtio_hal::init("dma").unwrap_or_else(|_| fail("no DMA region `dma`"));
        let ports = || PortCam::new().unwrap_or_else(|| fail("no PCI configuration ports"));
        let mut root = PciRoot::new(ports());
        let df = root
            .enumerate_bus(0)
            .find(|(_, info)| virtio_device_type(info) == Some(DeviceType::Network))
            .map(|(df, _)| df)
            .unwrap_or_else(|| fail("no virtio-net device on PCI bus 0"));
        place_virtio_bars(&mut root, df)
            .unwrap_or_else(|e| fail(alloc::format!("placing its BARs: {e:?}").as_str()));
        let line = ports().read_word(df, 0x3c) & 0xff;
        let pin = irq_pin().unwrap_or_else(|| fail("no interrupt on channel 1"));
        if line as u64 != pin {
            fail(
                alloc::format!(
                    "the device interrupts on line {line}, the description says pin {pin}"
                )
                .as_str(),
            );
        }
        let transport = PciTransport::new::<SystemHal, _>(&mut root, df)
            .unwrap_or_else(|e| fail(alloc::format!("its virtio transport: {e}").as_str()));
        let mut net = Net::new(transport)
            .unwrap_or_else(|e| fail(alloc::format!("starting it: {e}").as_str()));
        net.enable_interrupts();
        let rx = core::array::from_fn(|_| {
            let page = dma_page();
            // SAFETY: the page is untouched until the device has filled it.
            let token = unsafe { net.receive_begin(page) }
                .unwrap_or_else(|e| fail(alloc::format!("posting a receive buffer: {e}").as_str()));
            (token, Some(page))
        });
        sel4::debug_println!(
            "virtio-net: 00:{:02x}.{} up, MAC {}, interrupt line {line}",
            df.device,
            df.function,
            Mac(net.mac_address())
        );
        Driver {
            net,
            queues: None,
            rx,
            tx_free: (0..BUFFERS).map(|_| dma_page()).collect(),
            tx_busy: alloc::vec::Vec::new(),
            dropped: 0,
            inspect,
        }
    }
}

/// The IOAPIC pin the description routes to [`IRQ`].
fn irq_pin() -> Option<u64> {
    sel4_system_component::info()
        .valid_irqs()
        .iter()
        .find(|q| q.channel == IRQ.id() as u64)
        .map(|q| q.pin)
}

impl Driver {
    /// Hands over the client's frames until its ring is empty and the
    /// driver has asked to be signalled for the next (what it does before
    /// it blocks).
    fn transmit_all(&mut self) {
        loop {
            self.transmit();
            let Some(queues) = &self.queues else {
                return;
            };
            match queues.want_transmit_signal() {
                Ok(true) => return,
                Ok(false) if self.tx_free.is_empty() => return,
                Ok(false) => {}
                Err(e) => self.client_error(e),
            }
        }
    }

    /// Hands the client's queued frames to the device while it has room.
    fn transmit(&mut self) {
        loop {
            let Some(queues) = &mut self.queues else {
                return;
            };
            let Some(page) = self.tx_free.pop() else {
                return;
            };
            let header = match self.net.fill_buffer_header(page) {
                Ok(h) => h,
                Err(_) => fail("a transmit buffer too small for the header"),
            };
            let copied = queues.transmit(|frame| {
                page[header..header + frame.len()].copy_from_slice(frame);
                header + frame.len()
            });
            match copied {
                Ok(Some(t)) => {
                    self.signal(t.signal);
                    let Some(len) = t.result else {
                        self.dropped += 1;
                        self.tx_free.push(page);
                        continue;
                    };
                    // SAFETY: the page is not touched until the device is done.
                    match unsafe { self.net.transmit_begin(&page[..len]) } {
                        Ok(token) => self.tx_busy.push((token, page, len)),
                        Err(_) => {
                            self.dropped += 1;
                            self.tx_free.push(page);
                        }
                    }
                }
                Ok(None) => {
                    self.tx_free.push(page);
                    return;
                }
                Err(e) => {
                    self.tx_free.push(page);
                    self.client_error(e);
                }
            }
        }
    }

    /// Sent frames' buffers back to the free list.
    fn transmitted(&mut self) {
        while let Some(token) = self.net.poll_transmit() {
            let Some(i) = self.tx_busy.iter().position(|(t, _, _)| *t == token) else {
                fail("the device completed a transmission it was not given");
            };
            let (token, page, len) = self.tx_busy.swap_remove(i);
            // SAFETY: the buffer given to transmit_begin with this token.
            let _ = unsafe { self.net.transmit_complete(token, &page[..len]) };
            self.tx_free.push(page);
        }
    }

    /// Received frames to the client, their buffers back to the device.
    fn received(&mut self) {
        while let Some(token) = self.net.poll_receive() {
            let Some(slot) = self.rx.iter().position(|(t, p)| *t == token && p.is_some()) else {
                fail("the device completed a reception it was not given");
            };
            let page = self.rx[slot].1.take().expect("found with a page");
            // SAFETY: the buffer given to receive_begin with this token.
            match unsafe { self.net.receive_complete(token, page) } {
                Ok((header, len)) if header + len <= page.len() => {
                    let len = (self.inspect)(&mut page[header..header + len]).min(len);
                    match self
                        .queues
                        .as_mut()
                        .map(|q| q.deliver(&page[header..header + len]))
                    {
                        Some(Ok(signal)) => self.signal(signal),
                        Some(Err(QueueError::NoBuffer | QueueError::TooLong)) | None => {
                            self.dropped += 1
                        }
                        Some(Err(e)) => self.client_error(e),
                    }
                }
                _ => self.dropped += 1,
            }
            // SAFETY: as in init.
            let token = unsafe { self.net.receive_begin(page) }
                .unwrap_or_else(|e| fail(alloc::format!("posting a receive buffer: {e}").as_str()));
            self.rx[slot] = (token, Some(page));
        }
    }

    fn signal(&self, signal: Signal) {
        if signal == Signal::Needed {
            let _ = CLIENT.notify();
        }
    }

    /// The client wrote impossible ring state: say so, and leave the
    /// queues alone until it attaches again.
    fn client_error(&mut self, e: QueueError) {
        sel4::debug_println!(
            "virtio-net: the client's queues are corrupt ({e:?}); dropping frames until it attaches again"
        );
        self.queues = None;
    }
}

impl Handler for Driver {
    /// The client (re)starts the queues: they are emptied and attached to
    /// afresh, and the answer is the device's MAC address.
    fn protected(&mut self, _channel: Channel, msg: MessageInfo) -> MessageInfo {
        if msg.label() != ATTACH_LABEL {
            return MessageInfo::new(1, 0, 0);
        }
        match DriverQueues::attach() {
            Ok(q) => self.queues = Some(q),
            Err(e) => fail(alloc::format!("the client's queues: {e:?}").as_str()),
        }
        // Ask for the client's first frame to send before it can queue one.
        self.transmit_all();
        set_mr(0, mac_to_word(&self.net.mac_address()));
        MessageInfo::new(0, 0, 1)
    }

    fn notified(&mut self, channel: Channel) {
        if channel == IRQ {
            self.net.ack_interrupt();
            let _ = IRQ.irq_ack();
            self.transmitted();
            self.received();
        }
        self.transmit_all();
    }
}
