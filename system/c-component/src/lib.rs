//! `libsel4_system_c_component.a`: the runtime of a C component of a
//! system (`sel4-cc --component`). The loader enters it at
//! `_substrate_component_start`; it checks the system information page,
//! routes the console to the initializer, gives C's `sbrk` the heap the
//! initializer mapped, runs the C constructors and calls C `main`, the
//! component's `init`, which ends in `substrate_system_run` (see
//! `substrate_ffi::system`). The Rust side's own allocations (the C ABI's
//! bookkeeping) use a static arena, which grows once into memory taken
//! from the top of the component's heap when the network stack starts
//! (`substrate_net_start`: its sockets' buffers).
#![no_std]

extern crate alloc;

use substrate_component::abi::FAILURE_STATUS;

// Not in a host test build (`clippy --all-targets`), which has std's.
#[cfg(not(test))]
#[global_allocator]
static HEAP: substrate_heap::FrameHeap<{ 256 * 1024 }> = substrate_heap::FrameHeap::new();

/// Pages of the component's heap, mapped by the initializer already.
#[cfg(not(test))]
struct Premapped;

// SAFETY: `map_pages` is only asked for pages of the range
// `substrate_ffi::sbrk` reserved for this allocator (`grow`), which the
// initializer mapped read-write and nothing else uses; it zeroes them.
#[cfg(not(test))]
unsafe impl substrate_heap::PageSource for Premapped {
    fn map_pages(&mut self, vaddr: usize, pages: usize) -> usize {
        // SAFETY: as above: mapped, writable, this allocator's alone.
        unsafe { core::ptr::write_bytes(vaddr as *mut u8, 0, pages * substrate_heap::PAGE_SIZE) };
        pages
    }
}

/// Lets the allocator grow into `bytes` from `start` (the reserved top of
/// the heap); once.
#[cfg(not(test))]
fn grow(start: usize, bytes: usize) -> bool {
    let source: &'static mut Premapped = alloc::boxed::Box::leak(alloc::boxed::Box::new(Premapped));
    HEAP.set_source(start, bytes, source).is_ok()
}

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
            #[cfg(not(test))]
            substrate_ffi::net::set_heap_growth(grow);
            substrate_ffi::runtime::run_c_main()
        })
    }
}
