//! What gcc's unwinder (`libgcc_eh.a`, which supplies `_Unwind_*` to std's
//! `panic_unwind`) asks of the C library: `_dl_find_object` and
//! `dl_iterate_phdr`, answered from the image itself (one module, linked
//! at a fixed address: the linker script loads the ELF and program headers
//! with the image and names `.eh_frame_hdr`).

use core::ffi::{c_char, c_int, c_void};

extern "C" {
    /// The image's ELF header (the first byte of the loaded image).
    static __executable_start: u8;
    /// The end of the image.
    static __image_end: u8;
    /// `.eh_frame_hdr` (`PT_GNU_EH_FRAME`).
    static __GNU_EH_FRAME_HDR: u8;
}

/// glibc's `struct dl_find_object` (`<dlfcn.h>`, glibc 2.35).
#[repr(C)]
pub struct DlFindObject {
    /// `dlfo_flags`.
    pub flags: u64,
    /// `dlfo_map_start`.
    pub map_start: *mut c_void,
    /// `dlfo_map_end`.
    pub map_end: *mut c_void,
    /// `dlfo_link_map`.
    pub link_map: *mut c_void,
    /// `dlfo_eh_frame`.
    pub eh_frame: *mut c_void,
    /// `__dflo_reserved`.
    reserved: [u64; 7],
}

/// glibc's `_dl_find_object`: for an address inside the image, its range
/// and its `.eh_frame_hdr` (0); -1 for any other address.
///
/// # Safety
/// `out` must be writable.
#[no_mangle]
pub unsafe extern "C" fn _dl_find_object(pc: *mut c_void, out: *mut DlFindObject) -> c_int {
    // Linker-script symbols: only their addresses are taken.
    let (start, end, eh) = (
        core::ptr::addr_of!(__executable_start) as usize,
        core::ptr::addr_of!(__image_end) as usize,
        core::ptr::addr_of!(__GNU_EH_FRAME_HDR) as usize,
    );
    if out.is_null() || !(start..end).contains(&(pc as usize)) {
        return -1;
    }
    // SAFETY: the caller's guarantee.
    unsafe {
        out.write(DlFindObject {
            flags: 0,
            map_start: start as *mut c_void,
            map_end: end as *mut c_void,
            link_map: core::ptr::null_mut(),
            eh_frame: eh as *mut c_void,
            reserved: [0; 7],
        })
    };
    0
}

/// glibc's `struct dl_phdr_info`.
#[repr(C)]
pub struct DlPhdrInfo {
    /// `dlpi_addr`: the load bias (0: linked where it runs).
    pub addr: u64,
    /// `dlpi_name`.
    pub name: *const c_char,
    /// `dlpi_phdr`.
    pub phdr: *const libc::Elf64_Phdr,
    /// `dlpi_phnum`.
    pub phnum: u16,
    /// `dlpi_adds`: modules loaded so far (the image: 1).
    pub adds: u64,
    /// `dlpi_subs`: modules unloaded (none).
    pub subs: u64,
    /// `dlpi_tls_modid` (0: the caller does not look at TLS here).
    pub tls_modid: usize,
    /// `dlpi_tls_data`.
    pub tls_data: *mut c_void,
}

/// POSIX-ish `dl_iterate_phdr`: calls `f` once, for the image (no load
/// bias, its program headers as loaded), and returns what `f` returned.
///
/// # Safety
/// `f` must be safe to call with `data`.
#[no_mangle]
pub unsafe extern "C" fn dl_iterate_phdr(
    f: Option<unsafe extern "C" fn(*mut DlPhdrInfo, usize, *mut c_void) -> c_int>,
    data: *mut c_void,
) -> c_int {
    let Some(f) = f else { return 0 };
    // SAFETY: the image's ELF header is loaded at `__executable_start`
    // (the linker script's FILEHDR PHDRS), program headers after it.
    let ehdr = unsafe { &*(core::ptr::addr_of!(__executable_start) as *const libc::Elf64_Ehdr) };
    let mut info = DlPhdrInfo {
        addr: 0,
        name: c"".as_ptr(),
        // SAFETY: inside the loaded headers.
        phdr: unsafe { (ehdr as *const libc::Elf64_Ehdr as *const u8).add(ehdr.e_phoff as usize) }
            .cast(),
        phnum: ehdr.e_phnum,
        adds: 1,
        subs: 0,
        tls_modid: 0,
        tls_data: core::ptr::null_mut(),
    };
    // SAFETY: the caller's guarantee.
    unsafe { f(&mut info, core::mem::size_of::<DlPhdrInfo>(), data) }
}
