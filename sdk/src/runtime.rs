//! What every contract module needs inside WebAssembly: the allocator the
//! VM copies byte arguments through (`svm_alloc`), a heap, and a panic
//! handler that stops the call with the panic's message.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

/// A bump allocator over the memory after the module's data: a call is
/// short-lived (its instance is dropped after it), so nothing is given
/// back except the most recent allocation, which the heap shrinks by.
struct Bump {
    /// The next free byte and the end of memory (0, 0: not started).
    at: UnsafeCell<(usize, usize)>,
}

// SAFETY: WebAssembly contracts are single-threaded.
unsafe impl Sync for Bump {}

unsafe extern "C" {
    /// The first byte after the module's data and stack (wasm-ld).
    static __heap_base: u8;
}

const PAGE: usize = 65536;

unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: single-threaded; no reference to the cell escapes.
        let at = unsafe { &mut *self.at.get() };
        if at.1 == 0 {
            at.0 = core::ptr::addr_of!(__heap_base) as usize;
            at.1 = core::arch::wasm32::memory_size(0) * PAGE;
        }
        let start = (at.0 + layout.align() - 1) & !(layout.align() - 1);
        let Some(end) = start.checked_add(layout.size()) else {
            return core::ptr::null_mut();
        };
        if end > at.1 {
            let pages = (end - at.1).div_ceil(PAGE);
            if core::arch::wasm32::memory_grow(0, pages) == usize::MAX {
                return core::ptr::null_mut();
            }
            at.1 += pages * PAGE;
        }
        at.0 = end;
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: single-threaded; no reference to the cell escapes.
        let at = unsafe { &mut *self.at.get() };
        if ptr as usize + layout.size() == at.0 {
            at.0 = ptr as usize;
        }
    }
}

#[global_allocator]
static HEAP: Bump = Bump {
    at: UnsafeCell::new((0, 0)),
};

/// The VM asks for `len` bytes to copy a bytes argument into.
#[unsafe(no_mangle)]
extern "C" fn svm_alloc(len: u32) -> *mut u8 {
    let layout = Layout::from_size_align(len as usize, 1)
        .unwrap_or_else(|_| crate::abort("svm_alloc: too large"));
    // SAFETY: a valid layout (a zero size gives a dangling, unused pointer).
    let p = unsafe { HEAP.alloc(layout) };
    if p.is_null() {
        crate::abort("out of contract memory");
    }
    p
}

/// A panic's message, formatted into a fixed buffer (cut at its size).
struct Message {
    buf: [u8; 256],
    len: usize,
}

impl core::fmt::Write for Message {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let room = self.buf.len() - self.len;
        let mut n = s.len().min(room);
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let message = info.message();
    if let Some(s) = message.as_str() {
        crate::abort(s);
    }
    if cfg!(not(feature = "panic-messages")) {
        crate::abort(
            "panicked (a formatted message; svm-sdk's `panic-messages` feature keeps them)",
        );
    }
    let mut m = Message {
        buf: [0; 256],
        len: 0,
    };
    let _ = core::fmt::write(&mut m, format_args!("{message}"));
    crate::abort(core::str::from_utf8(&m.buf[..m.len]).unwrap_or("panicked"))
}
