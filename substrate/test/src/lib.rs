//! `#[test]`-style functions inside a seL4 root task.
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! use substrate_root_task::{root_task, sel4, ExitStatus};
//! use substrate_test::{ensure_eq, TestContext};
//!
//! #[substrate_test::test]
//! fn endpoint_retypes(ctx: &mut TestContext) -> substrate_test::Result {
//!     let ep: sel4::cap::Endpoint = ctx.objects().allocate(sel4::ObjectType::Endpoint, 0)?;
//!     ensure_eq!(ep.cptr() != 0, true);
//!     Ok(())
//! }
//!
//! #[root_task]
//! fn main(bootinfo: &sel4::BootInfo) -> ExitStatus {
//!     substrate_test::run(bootinfo)
//! }
//! ```
//!
//! [`run`] prints, like `cargo test`:
//!
//! ```text
//! running 2 tests
//! test endpoint_retypes ... ok
//! test other ... FAILED
//!     left: 1, right: 2 at src/main.rs:20:5
//! 1 passed, 1 failed
//! ```
//!
//! and returns [`ExitStatus::Failure`] when a test failed.
//!
//! * **Registration.** `#[substrate_test::test]` places a [`Test`]
//!   descriptor in the `.substrate_tests` linker section; the root-task
//!   linker script keeps that section and brackets it with
//!   `__substrate_tests_start`/`__substrate_tests_end`. Tests run in source
//!   order: by module path, then by line.
//! * **Test functions** take no argument or a `&mut` [`TestContext`] and
//!   return `()` or `Result<(), E: Debug>` (see [`Outcome`]). [`Failure`]
//!   is a convenient error type: `?` converts seL4 and allocator errors into
//!   it, and [`ensure!`]/[`ensure_eq!`] fail with the location.
//! * **Capabilities** come from one [`ObjectAllocator`] shared by all tests
//!   ([`TestContext::objects`]): objects a test creates stay allocated after
//!   it (untyped memory is only reclaimed by revoking a whole untyped), so
//!   tests should not depend on what earlier tests left behind.
//! * **Heap.** The heap is shared, not reset between tests: a test must
//!   free what it allocates. The harness counts live heap blocks
//!   ([`substrate_heap::live_allocations`]) before and after each test and
//!   fails a test that returns with more blocks than it started with.
//!   Allocations that shared state makes on a test's behalf count too; the
//!   harness primes the object allocator's free-slot list so that freeing a
//!   slot does not look like a leak. The count is of blocks, not bytes (a
//!   `Vec` that grew by reallocation still holds one block).
//! * **Panics.** Before a test runs, the harness prints `test <name> ... `,
//!   so a panic report follows the name of the test that panicked. Without
//!   unwinding the panic handler then ends the system with a failure status
//!   and no later test runs. With the `unwind` feature (nightly, see
//!   `substrate-panic`) the panic is caught, reported as that test's
//!   failure, and the run goes on.
#![no_std]

extern crate alloc;

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::{self, Debug, Write};
use core::panic::AssertUnwindSafe;
use core::sync::atomic::{AtomicPtr, Ordering};

pub use sel4_object_allocator::{AllocError, ObjectAllocator};
pub use substrate_rt::ExitStatus;
pub use substrate_test_macros::test;

/// A registered test; `#[substrate_test::test]` creates one per function.
#[derive(Debug)]
pub struct Test {
    /// `module_path!()` where the test is defined.
    pub module: &'static str,
    /// The function's name.
    pub name: &'static str,
    /// `file!()` of the definition.
    pub file: &'static str,
    /// `line!()` of the definition.
    pub line: u32,
    /// Runs the test.
    pub run: fn(&mut TestContext<'_>) -> core::result::Result<(), Failure>,
}

impl Test {
    /// The name printed for the test: the module path without the crate
    /// name, then the function name (`tcb::registers`), as `cargo test` does.
    pub fn path(&self) -> TestPath<'_> {
        TestPath(self)
    }
}

/// The printed name of a [`Test`] (see [`Test::path`]).
pub struct TestPath<'a>(&'a Test);

impl fmt::Display for TestPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.module.split_once("::") {
            Some((_, module)) => write!(f, "{module}::{}", self.0.name),
            None => f.write_str(self.0.name),
        }
    }
}

/// Why a test failed: a message, usually with a source location.
pub struct Failure {
    message: String,
}

impl Failure {
    /// A failure with `message`.
    pub fn new(message: impl fmt::Display) -> Self {
        Self {
            message: message.to_string(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<sel4::Error> for Failure {
    /// The error and where `?` met it.
    #[track_caller]
    fn from(e: sel4::Error) -> Self {
        let at = core::panic::Location::caller();
        Failure::new(format_args!("seL4 error: {e} at {at}"))
    }
}

impl From<AllocError> for Failure {
    /// The error and where `?` met it.
    #[track_caller]
    fn from(e: AllocError) -> Self {
        let at = core::panic::Location::caller();
        Failure::new(format_args!("allocation failed: {e} at {at}"))
    }
}

/// What a test returns with [`Failure`] as the error.
pub type Result<T = ()> = core::result::Result<T, Failure>;

/// What a test function may return: `()` (it passes unless it panics) or
/// `Result<(), E>` with any `E: Debug` (an `Err` is a failure).
pub trait Outcome {
    /// The outcome as pass or failure.
    fn into_outcome(self) -> core::result::Result<(), Failure>;
}

impl Outcome for () {
    fn into_outcome(self) -> core::result::Result<(), Failure> {
        Ok(())
    }
}

impl<E: Debug> Outcome for core::result::Result<(), E> {
    fn into_outcome(self) -> core::result::Result<(), Failure> {
        self.map_err(|e| {
            let mut message = String::new();
            let _ = write!(message, "{e:?}");
            Failure { message }
        })
    }
}

/// Fails the test with the condition's text and location unless `cond`
/// holds; an optional format string replaces the condition's text.
#[macro_export]
macro_rules! ensure {
    ($cond:expr $(,)?) => {
        if !$cond {
            return ::core::result::Result::Err(::core::convert::From::from($crate::Failure::new(
                ::core::format_args!(
                    "ensure!({}) failed at {}:{}:{}",
                    ::core::stringify!($cond),
                    ::core::file!(),
                    ::core::line!(),
                    ::core::column!()
                ),
            )));
        }
    };
    ($cond:expr, $($fmt:tt)+) => {
        if !$cond {
            return ::core::result::Result::Err(::core::convert::From::from($crate::Failure::new(
                ::core::format_args!(
                    "{} at {}:{}:{}",
                    ::core::format_args!($($fmt)+),
                    ::core::file!(),
                    ::core::line!(),
                    ::core::column!()
                ),
            )));
        }
    };
}

/// Fails the test with both values and the location unless `left == right`;
/// an optional format string is printed before them.
#[macro_export]
macro_rules! ensure_eq {
    ($left:expr, $right:expr $(,)?) => {
        match (&$left, &$right) {
            (left, right) => {
                if !(*left == *right) {
                    return ::core::result::Result::Err(::core::convert::From::from(
                        $crate::Failure::new(::core::format_args!(
                            "{} == {} failed: left: {:?}, right: {:?} at {}:{}:{}",
                            ::core::stringify!($left),
                            ::core::stringify!($right),
                            left,
                            right,
                            ::core::file!(),
                            ::core::line!(),
                            ::core::column!()
                        )),
                    ));
                }
            }
        }
    };
    ($left:expr, $right:expr, $($fmt:tt)+) => {
        match (&$left, &$right) {
            (left, right) => {
                if !(*left == *right) {
                    return ::core::result::Result::Err(::core::convert::From::from(
                        $crate::Failure::new(::core::format_args!(
                            "{}: {} == {} failed: left: {:?}, right: {:?} at {}:{}:{}",
                            ::core::format_args!($($fmt)+),
                            ::core::stringify!($left),
                            ::core::stringify!($right),
                            left,
                            right,
                            ::core::file!(),
                            ::core::line!(),
                            ::core::column!()
                        )),
                    ));
                }
            }
        }
    };
}

/// What a test gets from the harness: the BootInfo and the shared object
/// allocator.
pub struct TestContext<'a> {
    bootinfo: &'a sel4::BootInfo,
    objects: &'a mut ObjectAllocator,
    test: &'static Test,
}

impl TestContext<'_> {
    /// The root task's BootInfo.
    pub fn bootinfo(&self) -> &sel4::BootInfo {
        self.bootinfo
    }

    /// The object allocator all tests share (slots of the initial CNode,
    /// RAM untypeds; see `sel4-object-allocator`).
    pub fn objects(&mut self) -> &mut ObjectAllocator {
        self.objects
    }

    /// The running test.
    pub fn test(&self) -> &'static Test {
        self.test
    }
}

extern "C" {
    // Defined by the root-task linker script around `.substrate_tests`.
    static __substrate_tests_start: u8;
    static __substrate_tests_end: u8;
}

/// Every test linked into the image, in source order (module path, line).
pub fn tests() -> Vec<&'static Test> {
    // SAFETY: the linker script places these symbols around the
    // `.substrate_tests` output section, which holds only `Test` statics
    // (placed there by `#[substrate_test::test]`, which keeps them `Test`-aligned
    // and contiguous because every element has the same type).
    let all = unsafe {
        let start = core::ptr::addr_of!(__substrate_tests_start).cast::<Test>();
        let end = core::ptr::addr_of!(__substrate_tests_end) as usize;
        let len = (end - start as usize) / core::mem::size_of::<Test>();
        core::slice::from_raw_parts(start, len)
    };
    let mut tests: Vec<&'static Test> = all.iter().collect();
    tests.sort_by(|a, b| (a.module, a.line).cmp(&(b.module, b.line)));
    tests
}

static CURRENT: AtomicPtr<Test> = AtomicPtr::new(core::ptr::null_mut());

/// The test running now, if any (for panic reports and debugging output).
pub fn current_test() -> Option<&'static Test> {
    let p = CURRENT.load(Ordering::Relaxed);
    // SAFETY: CURRENT only ever holds null or a `&'static Test`.
    unsafe { p.cast_const().as_ref() }
}

/// Runs every registered test in order, printing `test <name> ... ok` or
/// `FAILED` with the reason for each and the summary line `N passed, M failed`.
/// Returns [`ExitStatus::Failure`] when any test failed (or none exists).
pub fn run(bootinfo: &sel4::BootInfo) -> ExitStatus {
    let tests = tests();
    let mut objects = ObjectAllocator::new(bootinfo);
    // Give the free-slot list its buffer now, so a test that frees a slot
    // does not appear to leak it (see the crate docs).
    if let Ok(slot) = objects.alloc_slot() {
        objects.free_slot(slot);
    }
    sel4::debug_println!(
        "running {} test{}",
        tests.len(),
        if tests.len() == 1 { "" } else { "s" }
    );
    let (mut passed, mut failed) = (0usize, 0usize);
    for &test in &tests {
        CURRENT.store(test as *const Test as *mut Test, Ordering::Relaxed);
        sel4::debug_print!("test {} ... ", test.path());
        let live_before = substrate_heap::live_allocations();
        let outcome = {
            let mut ctx = TestContext {
                bootinfo,
                objects: &mut objects,
                test,
            };
            run_one(test, &mut ctx)
        };
        let outcome = outcome.and_then(|()| {
            let live_after = substrate_heap::live_allocations();
            if live_after > live_before {
                Err(Failure::new(format_args!(
                    "the test left {} heap block(s) allocated",
                    live_after - live_before
                )))
            } else {
                Ok(())
            }
        });
        match outcome {
            Ok(()) => {
                passed += 1;
                sel4::debug_println!("ok");
            }
            Err(failure) => {
                failed += 1;
                sel4::debug_println!("FAILED");
                sel4::debug_println!("    {failure}");
            }
        }
    }
    CURRENT.store(core::ptr::null_mut(), Ordering::Relaxed);
    sel4::debug_println!("{passed} passed, {failed} failed");
    if failed == 0 && passed > 0 {
        ExitStatus::Success
    } else {
        if passed + failed == 0 {
            sel4::debug_println!("no tests were registered");
        }
        ExitStatus::Failure
    }
}

/// Runs one test; with unwinding, a panic in it becomes its failure (the
/// panic handler has printed the report already).
fn run_one(test: &Test, ctx: &mut TestContext<'_>) -> core::result::Result<(), Failure> {
    let run = AssertUnwindSafe(|| (test.run)(ctx));
    // Not in host builds of this crate's (empty) unit tests, which link
    // std's panic handler instead of substrate-panic's.
    #[cfg(not(test))]
    match substrate_panic::catch_unwind(run) {
        Ok(outcome) => outcome,
        Err(payload) => Err(Failure::new(format_args!(
            "panicked: {}",
            payload.message().unwrap_or("(no message)")
        ))),
    }
    #[cfg(test)]
    run()
}
