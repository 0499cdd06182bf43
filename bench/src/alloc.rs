//! A global allocator that counts live and peak heap bytes, over mimalloc
//! (what a node embedding svm would link; glibc's per-thread arenas grow by
//! tiny mprotect calls that dominate allocation-heavy multi-threaded work),
//! or over the C library's malloc when the environment has
//! `SVM_BENCH_ALLOCATOR=system` (so a comparison with a host that loads svm
//! as a C library, which allocates with malloc, compares like with like).

use std::alloc::{GlobalAlloc, Layout};

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

/// 0: not decided yet; 1: mimalloc; 2: the C library's.
static WHICH: AtomicU8 = AtomicU8::new(0);

/// The allocator underneath, decided once, at the first allocation (the
/// environment is read without allocating).
struct System;

impl System {
    fn libc() -> bool {
        match WHICH.load(Ordering::Relaxed) {
            1 => false,
            2 => true,
            _ => {
                // SAFETY: getenv with a NUL-terminated name; the value is
                // only read, before anything else runs.
                let value = unsafe { libc::getenv(c"SVM_BENCH_ALLOCATOR".as_ptr()) };
                let system = !value.is_null()
                    // SAFETY: getenv's result is a NUL-terminated string.
                    && unsafe { std::ffi::CStr::from_ptr(value) }.to_bytes() == b"system";
                WHICH.store(if system { 2 } else { 1 }, Ordering::Relaxed);
                system
            }
        }
    }

    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        unsafe {
            if Self::libc() {
                std::alloc::System.alloc(layout)
            } else {
                mimalloc::MiMalloc.alloc(layout)
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the allocator that made `ptr`.
        unsafe {
            if Self::libc() {
                std::alloc::System.dealloc(ptr, layout)
            } else {
                mimalloc::MiMalloc.dealloc(ptr, layout)
            }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged to the allocator that made `ptr`.
        unsafe {
            if Self::libc() {
                std::alloc::System.realloc(ptr, layout, new_size)
            } else {
                mimalloc::MiMalloc.realloc(ptr, layout, new_size)
            }
        }
    }
}

/// The system allocator, counting.
pub(crate) struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = CURRENT.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

/// Live heap bytes.
pub(crate) fn current() -> usize {
    CURRENT.load(Ordering::Relaxed)
}

/// Starts a new peak measurement from the current level.
pub(crate) fn reset_peak() {
    PEAK.store(current(), Ordering::Relaxed);
}

/// Highest live heap bytes since the last [`reset_peak`].
pub(crate) fn peak() -> usize {
    PEAK.load(Ordering::Relaxed)
}
