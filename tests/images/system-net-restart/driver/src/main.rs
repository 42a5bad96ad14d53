//! driver: the virtio-net driver component, which faults (a VM fault at
//! address 0) on a received frame that carries [`TRIGGER`], as a driver
//! with a bug would, hands the client malformed frames in place of
//! those that carry [`GARBLE`], and on one that carries [`SCRIBBLE`]
//! writes an impossible head into the `tx-done` ring it shares with the
//! client, as a driver with a stray pointer would.
#![no_std]
#![no_main]

/// What the host check sends in a UDP datagram to make the driver fault.
const TRIGGER: &[u8] = b"sel4-substrate: fault the driver";
/// What it sends for malformed frames.
const GARBLE: &[u8] = b"sel4-substrate: garble this frame";
/// What it sends for an impossible ring state.
const SCRIBBLE: &[u8] = b"sel4-substrate: scribble on the rings";

/// Adds 2^31 to the head of the `tx-done` ring (the word at its region's
/// start, `substrate-shared-ring`'s layout): more entries than the ring
/// holds. The driver's own head is unchanged, so it writes the word
/// again only when it next gives a buffer back, after the client has
/// looked at it.
fn scribble() {
    let Some(r) = sel4_system_component::info().writable_region("tx-done") else {
        sel4_system_component::sel4::debug_println!("driver: no `tx-done` region to scribble on");
        return;
    };
    // SAFETY: the region is mapped read-write at `vaddr` for the
    // component's life, page-aligned; its first word is the ring's head,
    // which only this side writes (atomically, as here).
    let head = unsafe { &*(r.vaddr as usize as *const core::sync::atomic::AtomicU32) };
    head.fetch_add(0x8000_0000, core::sync::atomic::Ordering::SeqCst);
    sel4_system_component::sel4::debug_println!(
        "driver: wrote an impossible head into the `tx-done` ring"
    );
}

/// The malformed frames, in turn: the client gets the frame's first
/// bytes, its headers overwritten with a pattern, or the whole of it with
/// an IPv4 header claiming more bytes than the frame has.
fn garble(frame: &mut [u8], round: usize) -> usize {
    match round % 3 {
        0 => frame.len().min(9),
        1 => {
            let n = frame.len().min(54);
            for (i, b) in frame[14..n].iter_mut().enumerate() {
                *b = (i as u8).wrapping_mul(37) ^ 0xa5;
            }
            frame.len()
        }
        _ => {
            // The IPv4 total length (bytes 16..18 of the frame): 0xffff.
            frame[16] = 0xff;
            frame[17] = 0xff;
            frame.len()
        }
    }
}

static ROUND: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

fn inspect(frame: &mut [u8]) -> usize {
    if frame.len() > 54 && frame.windows(GARBLE.len()).any(|w| w == GARBLE) {
        let round = ROUND.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        let len = garble(frame, round);
        sel4_system_component::sel4::debug_println!(
            "driver: handed the client a malformed frame ({} of 9, kind {})",
            round + 1,
            round % 3
        );
        return len;
    }
    if frame.windows(SCRIBBLE.len()).any(|w| w == SCRIBBLE) {
        scribble();
        return frame.len();
    }
    if frame.windows(TRIGGER.len()).any(|w| w == TRIGGER) {
        // SAFETY: deliberately reads the unmapped page 0; the kernel stops
        // the thread with a VM fault and reports it to the initializer, so
        // execution never goes on.
        unsafe { core::arch::asm!("mov {0}, qword ptr [{0}]", in(reg) 0usize, options(noreturn)) }
    }
    frame.len()
}

fn init() -> sel4_virtio_net::Driver {
    sel4_virtio_net::Driver::init_with(inspect)
}

sel4_system_component::component!(init);
