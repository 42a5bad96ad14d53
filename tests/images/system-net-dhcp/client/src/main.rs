//! client: smoltcp over the driver's frame queues, in an async task:
//! polls the interface, then waits for the driver's signal or smoltcp's
//! next timeout, whichever comes first, until QEMU's DHCP server has given
//! it an address.
#![no_std]
#![no_main]

extern crate alloc;

use sel4_net_queue::Mac;
use sel4_net_smoltcp::{now, QueueDevice};
use sel4_system_executor::component::{exit, sel4};
use sel4_system_executor::{notified, race, sleep_ns, Channel};
use smoltcp::iface::{Config, Interface, SocketSet};
use smoltcp::socket::dhcpv4;
use smoltcp::wire::{EthernetAddress, HardwareAddress};

const DRIVER: Channel = Channel::new(0);

fn fail(what: &str) -> ! {
    sel4::debug_println!("client: FAILED: {what}");
    exit(1)
}

async fn main() {
    let mut dev = QueueDevice::attach(DRIVER).unwrap_or_else(|_| fail("attaching to the driver"));
    let mac = dev.mac();
    sel4::debug_println!("client: smoltcp on {}, asking for an address", Mac(mac));
    let config = Config::new(HardwareAddress::Ethernet(EthernetAddress(mac)));
    let mut iface = Interface::new(config, &mut dev, now());
    let mut sockets = SocketSet::new(alloc::vec![]);
    let dhcp = sockets.add(dhcpv4::Socket::new());
    loop {
        iface.poll(now(), &mut dev, &mut sockets);
        if let Some(e) = dev.error() {
            fail(alloc::format!("the driver's queues are corrupt: {e:?}").as_str());
        }
        if let Some(dhcpv4::Event::Configured(c)) = sockets.get_mut::<dhcpv4::Socket>(dhcp).poll() {
            // QEMU's restricted user network offers no router or DNS.
            let router = c.router.map(|r| alloc::format!("{r}"));
            sel4::debug_println!(
                "client: DHCP: address {} from {}, router {}",
                c.address,
                c.server.address,
                router.as_deref().unwrap_or("none")
            );
            exit(0)
        }
        // Block: the driver's next frame, or smoltcp's next timeout.
        if !dev.want_receive_signal() {
            continue;
        }
        let delay = iface
            .poll_delay(now(), &sockets)
            .map_or(u64::MAX, |d| d.total_micros().saturating_mul(1000));
        let _ = race(notified(DRIVER), sleep_ns(delay)).await;
    }
}

sel4_system_executor::component!(main);
