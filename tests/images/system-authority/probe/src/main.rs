//! `probe`: on each start, tries what its description does not grant.
//! Errors are printed; a fault stops it, and the initializer restarts it
//! (`restart = true`), so its restart count says which step comes next.
#![no_std]
#![no_main]

use sel4_system_component::sel4::{self, Cap, CapRights};
use sel4_system_component::{exit, info, restarts, Channel, Handler};

/// The probe's channel to the witness (notify only).
const WITNESS: Channel = Channel::new(0);

struct Probe;

fn init() -> Probe {
    let start = restarts();
    let say = |what: &str| sel4::debug_println!("probe: start {start}: {what}");
    match start {
        0 => {
            // A channel id the description does not give: refused before
            // any system call.
            if let Err(e) = Channel::new(5).notify() {
                sel4::debug_println!("probe: start 0: channel 5: error: {e}");
            }
            // An empty slot of its own CSpace: the kernel's error.
            let r = Cap::<sel4::cap_type::Tcb>::from_cptr(200).suspend();
            sel4::debug_println!(
                "probe: start 0: TCB_Suspend on empty slot 200: error {:?}",
                r.unwrap_err()
            );
            // Mapping memory needs a frame and an address space; it holds
            // neither. With the capabilities it has, the kernel refuses.
            let n = info().notification_slot;
            let r = Cap::<sel4::cap_type::Frame>::from_cptr(n).map(
                Cap::<sel4::cap_type::VSpace>::from_cptr(n),
                0x3_0000_0000,
                CapRights::read_write(),
                sel4::VM_DEFAULT,
            );
            sel4::debug_println!(
                "probe: start 0: Page_Map with its notification capability: error {:?}",
                r.unwrap_err()
            );
            // A capability pointer outside its CSpace: a capability fault.
            say("TCB_Suspend on slot 0x10000, outside its CSpace");
            let _ = Cap::<sel4::cap_type::Tcb>::from_cptr(0x10000).suspend();
            say("the invocation outside its CSpace did not fault");
        }
        1 => {
            say("writing its read-only information page");
            // SAFETY: deliberately writes the read-only page; the kernel
            // stops the thread with a VM fault before the write happens.
            unsafe { (sel4_system_component::abi::INFO_VADDR as *mut u64).write_volatile(0) };
            say("the write to its information page did not fault");
        }
        2 => {
            say("reading 0x123456000, where only witness and server have memory");
            // SAFETY: deliberately reads an address with no mapping in this
            // address space; the kernel stops the thread with a VM fault.
            let v = unsafe { (0x1_2345_6000 as *const u64).read_volatile() };
            sel4::debug_println!("probe: start 2: read {v:#x} from memory it was not given");
        }
        _ => {
            say("every violation was refused or stopped");
            WITNESS.notify().expect("the probe may notify the witness");
            exit(0);
        }
    }
    exit(1)
}

impl Handler for Probe {}

sel4_system_component::component!(init);
