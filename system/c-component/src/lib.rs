//! `libsel4_system_c_component.a`: the runtime of a C component of a
//! system (`sel4-cc --component`). The loader enters it at
//! `_substrate_component_start`; it checks the system information page,
//! routes the console to the initializer, gives C's `sbrk` the heap the
//! initializer mapped, runs the C constructors and calls C `main`, the
//! component's `init`, which ends in `substrate_system_run` (see
//! `substrate_ffi::system`). The Rust side's own allocations (the C ABI's
//! bookkeeping) use a static arena.
#![no_std]

use substrate_component::abi::FAILURE_STATUS;

// Not in a host test build (`clippy --all-targets`), which has std's.
#[cfg(not(test))]
#[global_allocator]
static HEAP: substrate_heap::StaticHeap<{ 256 * 1024 }> = substrate_heap::StaticHeap::new();

#[cfg(not(test))]
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    substrate_component::__panic(info)
}

/// The component's entry (`substrate_component::abi::ENTRY_SYMBOL`).
///
/// # Safety
/// Only the loader enters here, with the thread pointer and console slot.
#[no_mangle]
pub unsafe extern "C" fn _substrate_component_start(thread_pointer: usize, console: usize) -> ! {
    // SAFETY: passed on as the loader gave them.
    unsafe {
        substrate_component::__start(thread_pointer, console, |_parent| {
            if !substrate_ffi::system::enter_component() {
                return FAILURE_STATUS;
            }
            substrate_ffi::runtime::run_c_main()
        })
    }
}
