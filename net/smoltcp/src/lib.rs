//! smoltcp on a system component.
//!
//! [`QueueDevice`] is a `smoltcp::phy::Device` over the client side of
//! `sel4-net-queue`: received frames come from the driver component's
//! `rx-used` ring (copied out, and the buffer offered again), frames to
//! send go into the `tx` ring; the driver's channel is signalled only when
//! the rings say it waits. [`now`] is smoltcp's clock on the system's
//! timer. Before blocking, a component calls
//! [`QueueDevice::want_receive_signal`] and waits for the driver's channel
//! or `Interface::poll_delay`, whichever comes first.
#![no_std]

extern crate alloc;

pub mod stack;
pub mod tcp;

use alloc::vec::Vec;

use sel4_net_queue::{ClientQueues, QueueError, Signal, MAX_FRAME};
use sel4_system_component::{time, Channel};
use smoltcp::phy::{self, DeviceCapabilities, Medium};
use smoltcp::time::Instant;

/// smoltcp's clock: the system's timer (`time::now_ns`), or 0 in a system
/// without one (smoltcp's timeouts then never expire).
pub fn now() -> Instant {
    Instant::from_micros((time::now_ns().unwrap_or(0) / 1000) as i64)
}

/// A network device: the driver component on `channel`.
pub struct QueueDevice {
    queues: ClientQueues,
    driver: Channel,
    /// An error of the queues (a driver writing impossible ring state):
    /// the device passes no frames until [`QueueDevice::reset`].
    broken: Option<QueueError>,
}

impl QueueDevice {
    /// Attaches to the queues of the driver on `driver`
    /// (`ClientQueues::attach`: a protected call, `ATTACH_LABEL`, whose
    /// answer has the MAC address).
    pub fn attach(driver: Channel) -> Result<Self, QueueError> {
        Ok(QueueDevice {
            queues: ClientQueues::attach(driver)?,
            driver,
            broken: None,
        })
    }

    /// Starts the queues over with the driver, after it was restarted or
    /// wrote impossible ring state: the same call again, and every buffer
    /// this side's again; the frames the rings held are dropped. An error
    /// leaves the device broken.
    pub fn reset(&mut self) -> Result<(), QueueError> {
        match ClientQueues::attach(self.driver) {
            Ok(q) => {
                self.queues = q;
                self.broken = None;
                Ok(())
            }
            Err(e) => {
                self.broken = Some(e);
                Err(e)
            }
        }
    }

    /// The device's MAC address, as the driver gave it.
    pub fn mac(&self) -> [u8; 6] {
        self.queues.mac()
    }

    /// What went wrong with the queues, if anything has (until
    /// [`QueueDevice::reset`]).
    pub fn error(&self) -> Option<QueueError> {
        self.broken
    }

    /// Before blocking: asks the driver to signal the next frame; `false`
    /// if one came meanwhile (poll again instead). While the queues are
    /// broken, always `true`: the frames there are not taken, so polling
    /// again would only spin.
    pub fn want_receive_signal(&mut self) -> bool {
        if self.broken.is_some() {
            return true;
        }
        match self.queues.want_receive_signal() {
            Ok(wait) => wait,
            Err(e) => {
                self.broken = Some(e);
                true
            }
        }
    }

    fn signal(&self, s: Signal) {
        if s == Signal::Needed {
            let _ = self.driver.notify();
        }
    }
}

/// A received frame, copied out of the shared buffer.
pub struct RxToken(Vec<u8>);

/// Room for one frame to send.
pub struct TxToken<'a>(&'a mut QueueDevice);

impl phy::RxToken for RxToken {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut result = None;
        let mut f = Some(f);
        let sent = self.0.queues.send(len, |buf| {
            result = Some((f.take().expect("called once"))(buf));
        });
        match sent {
            Ok(s) => self.0.signal(s),
            Err(QueueError::NoBuffer | QueueError::TooLong) => {}
            Err(e) => self.0.broken = Some(e),
        }
        match result {
            Some(r) => r,
            // No buffer: the frame is built in scratch memory and dropped,
            // as a full transmit queue drops it (TCP sends it again).
            None => {
                let mut scratch = alloc::vec![0; len];
                (f.take().expect("not called"))(&mut scratch)
            }
        }
    }
}

impl phy::Device for QueueDevice {
    type RxToken<'a> = RxToken;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, _now: Instant) -> Option<(RxToken, TxToken<'_>)> {
        if self.broken.is_some() {
            return None;
        }
        match self.queues.receive(|frame| frame.to_vec()) {
            Ok(Some((frame, s))) => {
                self.signal(s);
                Some((RxToken(frame), TxToken(self)))
            }
            Ok(None) => None,
            Err(e) => {
                self.broken = Some(e);
                None
            }
        }
    }

    fn transmit(&mut self, _now: Instant) -> Option<TxToken<'_>> {
        if self.broken.is_some() {
            return None;
        }
        // No buffer free: smoltcp keeps the segment for later rather than
        // building a frame that would be dropped (and then resent only
        // after a retransmission timeout). The driver's signal as it
        // hands buffers back wakes the component again.
        match self.queues.can_send() {
            Ok(true) => Some(TxToken(self)),
            Ok(false) => None,
            Err(e) => {
                self.broken = Some(e);
                None
            }
        }
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = MAX_FRAME;
        caps
    }
}
