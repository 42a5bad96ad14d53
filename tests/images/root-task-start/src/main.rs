//! Checks what `main` finds after the root-task runtime's start-up. On seL4
//! 5.0 `main` runs on a second TCB (a thread cannot set its own thread
//! pointer there); `seL4_CapInitThreadTCB` must still name the thread running
//! `main`, as it does on every root task, so code written for any kernel that
//! suspends, binds or reprioritises "its own" TCB acts on itself.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use substrate_root_task::{main_thread_tcb, root_task, sel4};

#[root_task]
fn main(bootinfo: &sel4::BootInfo) -> Result<(), String> {
    // `main_thread_tcb()` is `seL4_CapInitThreadTCB` by definition; what
    // matters is that the capability in that slot is the running thread's.
    let init = main_thread_tcb();
    // The kernel refuses to read the registers of the calling thread only:
    // reading those of another (e.g. the suspended initial thread) works.
    match init.read_registers(false) {
        Err(sel4::Error::IllegalOperation) => {}
        other => {
            return Err(format!(
                "reading seL4_CapInitThreadTCB's registers gave {:?}: not the calling thread",
                other.map(|_| ())
            ))
        }
    }
    sel4::debug_println!("seL4_CapInitThreadTCB is the thread running main");

    // SAFETY: the runtime set the thread pointer before main.
    let tcb = unsafe { &*substrate_tls::current() };
    if tcb.self_ptr != substrate_tls::current()
        || tcb.ipc_buffer != bootinfo.ipc_buffer()
        || sel4::sys::IPC_BUFFER_TP_OFFSET != 16
    {
        return Err(format!("thread control block {tcb:?}"));
    }
    sel4::debug_println!("thread control block: IPC buffer pointer at fs:16");
    Ok(())
}
