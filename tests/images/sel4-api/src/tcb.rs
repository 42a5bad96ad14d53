//! TCB invocations: registers of a suspended thread, and a bound
//! notification waking an endpoint receive.

use crate::{alloc, mint_badged};
use sel4::{cap, ObjectType, UserContext};
use substrate_root_task::{main_thread_tcb, sel4};
use substrate_test::{ensure_eq, TestContext};

/// The registers a thread's context holds verbatim (the kernel sanitises
/// the flags and may clear addresses outside user space).
fn general_purpose(r: &UserContext) -> [sel4::Word; 17] {
    [
        r.rip, r.rsp, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.r8, r.r9, r.r10, r.r11,
        r.r12, r.r13, r.r14, r.r15,
    ]
}

#[substrate_test::test]
fn registers_written_to_a_suspended_thread_read_back(
    ctx: &mut TestContext,
) -> substrate_test::Result {
    let tcb: cap::Tcb = alloc(ctx, ObjectType::Tcb, 0)?;
    // A new TCB is inactive; its registers start at zero.
    let fresh = tcb.read_registers(false)?;
    ensure_eq!(general_purpose(&fresh), [0; 17]);
    let mut regs = fresh;
    let pattern = |i: usize| 0x0101_0101_0000_1000 * (i as sel4::Word + 1) + i as sel4::Word;
    // rip and rsp must be user addresses; the rest take any pattern.
    regs.rip = 0x40_1000;
    regs.rsp = 0x7f_0000_0ff8;
    regs.rax = pattern(0);
    regs.rbx = pattern(1);
    regs.rcx = pattern(2);
    regs.rdx = pattern(3);
    regs.rsi = pattern(4);
    regs.rdi = pattern(5);
    regs.rbp = pattern(6);
    regs.r8 = pattern(7);
    regs.r9 = pattern(8);
    regs.r10 = pattern(9);
    regs.r11 = pattern(10);
    regs.r12 = pattern(11);
    regs.r13 = pattern(12);
    regs.r14 = pattern(13);
    regs.r15 = pattern(14);
    tcb.write_registers(false, &regs)?;
    let back = tcb.read_registers(true)?;
    ensure_eq!(general_purpose(&back), general_purpose(&regs));
    Ok(())
}

#[substrate_test::test]
fn a_thread_cannot_read_or_write_its_own_registers() -> substrate_test::Result {
    let me = main_thread_tcb();
    ensure_eq!(
        me.read_registers(false).map(|_| ()),
        Err(sel4::Error::IllegalOperation)
    );
    let regs: UserContext = Default::default();
    ensure_eq!(
        me.write_registers(false, &regs),
        Err(sel4::Error::IllegalOperation)
    );
    Ok(())
}

#[substrate_test::test]
fn a_bound_notification_wakes_an_endpoint_receive(ctx: &mut TestContext) -> substrate_test::Result {
    let ep: cap::Endpoint = alloc(ctx, ObjectType::Endpoint, 0)?;
    let ntfn: cap::Notification = alloc(ctx, ObjectType::Notification, 0)?;
    let badged = mint_badged(ctx, ntfn, 0xbad9e)?;
    let me = main_thread_tcb();
    me.bind_notification(ntfn)?;
    // Binding twice is refused.
    let r = me.bind_notification(ntfn);
    me.unbind_notification()?;
    ensure_eq!(r, Err(sel4::Error::IllegalOperation));
    me.bind_notification(ntfn)?;
    // Signal first, so the receive below returns at once with the badge
    // (the only other thread is the suspended initial one).
    badged.signal();
    let (_, badge) = ep.wait();
    me.unbind_notification()?;
    ensure_eq!(badge, 0xbad9e);
    Ok(())
}
