//! A root task that runs child components.
//!
//! The child (`examples/spawn-task-child`) is a separate ELF image, built by
//! this crate's build script and embedded with `include_bytes!`.
//! `substrate-loader` loads it into a new address space and CSpace whose only
//! usable capability is a badged endpoint to this task. The same image runs
//! four times, each time in the mode the root task answers its first
//! message with:
//!
//! 1. talk: three `ping n` / `pong n` exchanges, then `main` returns;
//! 2. fault: the child reads address 0; the kernel stops it and sends the
//!    fault to this task, which reports it and carries on;
//! 3. talk again, to show the system is unharmed;
//! 4. panic: the component runtime prints the panic and reports status 101;
//! 5. overflow: the child recurses until its stack runs into the unmapped
//!    guard page below it, a VM fault the root task recognises;
//! 6. restart: a child loaded restartable faults, is restarted from its
//!    initial state (`Child::restart`: its data, `.bss` and heap written
//!    again from the image, stack and TLS reset, same address space and
//!    CSpace), and then talks. Every child reports a counter kept in its
//!    `.data` with its first message, which would show a start that kept
//!    the previous run's data.
//!
//! Before that it shows that a damaged image is refused with an error.
#![no_std]
#![no_main]

mod protocol;

use protocol::*;
use sel4::{cap, MessageInfo, ObjectType, Word};
use sel4_object_allocator::{AllocError, ObjectAllocator};
use substrate_loader::{Child, Config, Endpoints, Event, Image, LoadError};
use substrate_root_task::{main_thread_tcb, root_task, sel4};

/// The child's ELF image (built by `build.rs`).
static CHILD_ELF: &[u8] = substrate_loader::include_component!("SPAWN_TASK_CHILD");

/// Added to a child's number to make the badge of its fault messages.
const FAULT_BADGE: Word = 0x100;

/// Why the example failed.
#[derive(Debug)]
#[allow(dead_code)] // fields are read through Debug
enum Error {
    Load(LoadError),
    Alloc(AllocError),
    Unexpected(&'static str),
}

impl From<LoadError> for Error {
    fn from(e: LoadError) -> Self {
        Error::Load(e)
    }
}

impl From<AllocError> for Error {
    fn from(e: AllocError) -> Self {
        Error::Alloc(e)
    }
}

/// How a child ended.
enum Outcome {
    Exited(Word),
    Faulted(sel4::Fault),
}

#[root_task(heap_size = 1 << 20)]
fn main(bootinfo: &sel4::BootInfo) -> Result<(), Error> {
    let mut objects = ObjectAllocator::new(bootinfo);
    let inbox = Inbox {
        endpoint: objects.allocate(ObjectType::Endpoint, 0)?,
        reply: objects.allocate_reply()?,
    };
    for len in [32, 0x100] {
        match Image::parse(&CHILD_ELF[..len]) {
            Err(e) => sel4::debug_println!("root: the first {len} bytes are refused: {e}"),
            Ok(_) => return Err(Error::Unexpected("a truncated image was accepted")),
        }
    }
    let image = Image::parse(CHILD_ELF)?;
    sel4::debug_println!(
        "root: child image of {} bytes, loads at {:#x?}, entry {:#x}",
        CHILD_ELF.len(),
        image.range(),
        image.entry()
    );
    // A middle priority, below this task's main thread, so a child runs
    // only while this task waits for it.
    let config = Config::new(main_thread_tcb(), sel4::sys::seL4_MaxPrio as Word / 2);

    match run_child(&mut objects, &image, &inbox, &config, 1, MODE_TALK)? {
        Outcome::Exited(0) => {}
        _ => return Err(Error::Unexpected("child 1 did not exit with 0")),
    }

    match run_child(&mut objects, &image, &inbox, &config, 2, MODE_FAULT)? {
        Outcome::Faulted(sel4::Fault::VmFault(f)) if f.addr == 0 && !f.prefetch => {}
        _ => return Err(Error::Unexpected("child 2 did not fault reading address 0")),
    }

    match run_child(&mut objects, &image, &inbox, &config, 3, MODE_TALK)? {
        Outcome::Exited(0) => {}
        _ => return Err(Error::Unexpected("child 3 did not exit with 0")),
    }

    match run_child(&mut objects, &image, &inbox, &config, 4, MODE_PANIC)? {
        Outcome::Exited(s) if s == substrate_loader::abi::PANIC_STATUS => {}
        _ => return Err(Error::Unexpected("child 4 did not report its panic")),
    }

    let guard = core::cell::Cell::new(0..0);
    match run_child_with(
        &mut objects,
        &image,
        &inbox,
        &config,
        5,
        MODE_OVERFLOW,
        |c| guard.set(c.stack_guard()),
    )? {
        Outcome::Faulted(sel4::Fault::VmFault(f)) if guard.take().contains(&(f.addr as usize)) => {
            sel4::debug_println!("root: child 5 overflowed its stack into the guard page");
        }
        _ => {
            return Err(Error::Unexpected(
                "child 5 did not fault in its stack guard page",
            ))
        }
    }

    let restartable = Config {
        restartable: true,
        ..config
    };
    let endpoints = Endpoints {
        endpoint: inbox.endpoint,
        badge: 6,
        fault_endpoint: inbox.endpoint,
        fault_badge: 6 + FAULT_BADGE,
    };
    let child = Child::spawn(&mut objects, &image, &endpoints, &restartable)?;
    match serve(&child, &inbox, 6, MODE_FAULT)? {
        Outcome::Faulted(sel4::Fault::VmFault(f)) if f.addr == 0 => {}
        _ => return Err(Error::Unexpected("child 6 did not fault reading address 0")),
    }
    child.restart(&mut objects, &image)?;
    sel4::debug_println!("root: child 6 restarted from its initial state");
    match serve(&child, &inbox, 6, MODE_TALK)? {
        Outcome::Exited(0) => {}
        _ => return Err(Error::Unexpected("restarted child 6 did not exit with 0")),
    }
    child.destroy(&mut objects)?;

    sel4::debug_println!("root: 6 children done");
    Ok(())
}

/// Where this task receives its children's messages and faults, and the
/// reply object its answers go through.
struct Inbox {
    endpoint: cap::Endpoint,
    reply: sel4::Reply,
}

/// Starts child `id` in `mode`, serves its messages until it exits or
/// faults, then destroys it.
fn run_child(
    objects: &mut ObjectAllocator,
    image: &Image<'_>,
    inbox: &Inbox,
    config: &Config,
    id: Word,
    mode: Word,
) -> Result<Outcome, Error> {
    run_child_with(objects, image, inbox, config, id, mode, |_| {})
}

/// [`run_child`], calling `inspect` with the child before it runs.
fn run_child_with(
    objects: &mut ObjectAllocator,
    image: &Image<'_>,
    inbox: &Inbox,
    config: &Config,
    id: Word,
    mode: Word,
    inspect: impl FnOnce(&Child),
) -> Result<Outcome, Error> {
    let endpoints = Endpoints {
        endpoint: inbox.endpoint,
        badge: id,
        fault_endpoint: inbox.endpoint,
        fault_badge: id + FAULT_BADGE,
    };
    let child = Child::spawn(objects, image, &endpoints, config)?;
    inspect(&child);
    let outcome = serve(&child, inbox, id, mode);
    child.destroy(objects)?;
    outcome
}

fn serve(child: &Child, inbox: &Inbox, id: Word, mode: Word) -> Result<Outcome, Error> {
    let mut pings = 0;
    loop {
        let (info, badge) = inbox.endpoint.recv(&inbox.reply);
        // SAFETY: this thread holds no other IpcBuffer.
        let mut ipc = unsafe { sel4::IpcBuffer::current() };
        let msg = ipc.msg_regs();
        match child.event(info, badge, msg) {
            Some(Event::Message(info)) if info.label() == HELLO => {
                if info.length() != 1 || msg[0] != FIRST_START {
                    return Err(Error::Unexpected("a child started with another run's data"));
                }
                msg[0] = mode;
                msg[1] = id;
                inbox.reply.send(MessageInfo::new(0, 0, 2));
            }
            Some(Event::Message(info)) if info.label() == PING && info.length() == 1 => {
                let n = msg[0];
                pings += 1;
                sel4::debug_println!("root: child {id} sent ping {n}, replying pong {n}");
                msg[0] = n;
                inbox.reply.send(MessageInfo::new(PONG, 0, 1));
            }
            Some(Event::Message(_)) => return Err(Error::Unexpected("unknown message")),
            Some(Event::Exit(status)) => {
                if mode == MODE_TALK && status == 0 && pings != PINGS {
                    return Err(Error::Unexpected("a talking child exited early"));
                }
                sel4::debug_println!("child exited with status {status} (child {id})");
                return Ok(Outcome::Exited(status));
            }
            Some(Event::Fault(fault)) => {
                match fault {
                    sel4::Fault::VmFault(f) => {
                        sel4::debug_println!(
                            "child faulted: VM fault at address {:#x} (ip {:#x}) (child {id})",
                            f.addr,
                            f.ip
                        );
                        if !child.image_range().contains(&(f.ip as usize)) {
                            return Err(Error::Unexpected("fault ip outside the child's image"));
                        }
                    }
                    other => sel4::debug_println!("child faulted: {other} (child {id})"),
                }
                return Ok(Outcome::Faulted(fault));
            }
            None => return Err(Error::Unexpected("message with an unknown badge")),
        }
    }
}
