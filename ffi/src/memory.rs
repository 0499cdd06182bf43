//! Bytes across the boundary: views the caller lends ([`SvmBytes`]) and
//! buffers svm hands over ([`SvmBuffer`]), which the caller frees with
//! [`svm_buffer_free`].

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use crate::guard::guard;
use crate::status::{FfiError, SvmStatus};

/// The most bytes one input may hold (1 GiB): a longer view is refused
/// before it is read.
pub const SVM_MAX_INPUT_BYTES: usize = 1 << 30;

/// Bytes the caller lends for the duration of one call: `len` bytes at
/// `ptr`. `ptr` may be NULL only when `len` is 0 (an empty view). svm never
/// keeps the pointer after the call returns, and never writes through it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct SvmBytes {
    /// The first byte (NULL for an empty view).
    pub ptr: *const u8,
    /// How many bytes.
    pub len: usize,
}

impl SvmBytes {
    /// The bytes, checked: NULL with a length, or a length beyond
    /// [`SVM_MAX_INPUT_BYTES`], is an error.
    ///
    /// # Safety
    /// A non-NULL `ptr` must point to `len` readable bytes that stay
    /// unchanged for `'a` (the call).
    pub(crate) unsafe fn slice<'a>(&self, what: &str) -> Result<&'a [u8], FfiError> {
        if self.len == 0 {
            return Ok(&[]);
        }
        if self.ptr.is_null() {
            return Err(FfiError::null(&format!(
                "{what} (with length {})",
                self.len
            )));
        }
        if self.len > SVM_MAX_INPUT_BYTES {
            return Err(FfiError::invalid(format!(
                "{what}: {} bytes, more than the {SVM_MAX_INPUT_BYTES} one input may hold",
                self.len
            )));
        }
        // SAFETY: non-NULL, at most 1 GiB (so within isize::MAX), and the
        // caller lends `len` readable bytes for the call.
        Ok(unsafe { std::slice::from_raw_parts(self.ptr, self.len) })
    }

    /// The bytes as exactly `N` bytes.
    ///
    /// # Safety
    /// As [`SvmBytes::slice`].
    pub(crate) unsafe fn array<const N: usize>(&self, what: &str) -> Result<[u8; N], FfiError> {
        // SAFETY: the caller's promise, passed on.
        let bytes = unsafe { self.slice(what) }?;
        bytes
            .try_into()
            .map_err(|_| FfiError::invalid(format!("{what}: {} bytes, not {N}", bytes.len())))
    }
}

/// Bytes svm hands to the caller, who owns them until passing them to
/// [`svm_buffer_free`] (exactly once). An empty buffer is all zeros and
/// needs no freeing (freeing it does nothing). The caller must not change
/// `ptr`, `len` or `cap`.
#[repr(C)]
#[derive(Debug)]
pub struct SvmBuffer {
    /// The first byte (NULL when empty).
    pub ptr: *mut u8,
    /// How many bytes.
    pub len: usize,
    /// The allocation's capacity (svm's bookkeeping).
    pub cap: usize,
}

impl SvmBuffer {
    /// The empty buffer.
    pub(crate) const EMPTY: SvmBuffer = SvmBuffer {
        ptr: std::ptr::null_mut(),
        len: 0,
        cap: 0,
    };
}

/// Every buffer handed out and not yet freed: its address → (len, cap).
/// Freeing looks here first, so a double free or a foreign pointer is an
/// error instead of a corrupted heap.
static LIVE: LazyLock<Mutex<HashMap<usize, (usize, usize)>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn live() -> std::sync::MutexGuard<'static, HashMap<usize, (usize, usize)>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Hands `bytes` over as a buffer the caller frees.
pub(crate) fn give(bytes: Vec<u8>) -> SvmBuffer {
    if bytes.is_empty() {
        return SvmBuffer::EMPTY;
    }
    let mut bytes = std::mem::ManuallyDrop::new(bytes);
    let buffer = SvmBuffer {
        ptr: bytes.as_mut_ptr(),
        len: bytes.len(),
        cap: bytes.capacity(),
    };
    live().insert(buffer.ptr as usize, (buffer.len, buffer.cap));
    buffer
}

/// How many buffers are handed out and not freed (for leak tests).
pub(crate) fn live_buffers() -> usize {
    live().len()
}

/// Writes `bytes` to the output `out` (which must not be NULL).
///
/// # Safety
/// `out`, when not NULL, must be valid for a write of an [`SvmBuffer`].
pub(crate) unsafe fn put(out: *mut SvmBuffer, bytes: Vec<u8>) -> Result<(), FfiError> {
    if out.is_null() {
        return Err(FfiError::null("the output buffer"));
    }
    // SAFETY: non-NULL and, by the caller's promise, writable.
    unsafe { out.write(give(bytes)) };
    Ok(())
}

/// Empties the output `out` if it is not NULL, so a failed call leaves
/// nothing to free there.
///
/// # Safety
/// As [`put`].
pub(crate) unsafe fn clear(out: *mut SvmBuffer) {
    if !out.is_null() {
        // SAFETY: the caller's promise.
        unsafe { out.write(SvmBuffer::EMPTY) };
    }
}

/// Frees a buffer svm handed out, and empties `*buffer`. An empty buffer
/// (NULL `ptr`) is fine and does nothing. A buffer svm did not hand out, or
/// one already freed, is refused with `SVM_STATUS_BAD_HANDLE` and left
/// alone. Thread-safe.
///
/// # Safety
/// `buffer` must be NULL or valid for reads and writes of an [`SvmBuffer`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_buffer_free(buffer: *mut SvmBuffer) -> SvmStatus {
    guard(std::ptr::null_mut(), || {
        if buffer.is_null() {
            return Err(FfiError::null("the buffer"));
        }
        // SAFETY: non-NULL and, by the caller's promise, readable.
        let ptr = unsafe { (*buffer).ptr };
        if ptr.is_null() {
            return Ok(());
        }
        let Some((len, cap)) = live().remove(&(ptr as usize)) else {
            return Err(FfiError::new(
                SvmStatus::BadHandle,
                "not a buffer svm handed out, or one already freed",
            ));
        };
        // SAFETY: `ptr`, `len` and `cap` are those of a Vec<u8> `give`
        // forgot, and the registry entry (now removed) proves it is freed
        // once.
        drop(unsafe { Vec::from_raw_parts(ptr, len, cap) });
        // SAFETY: as above.
        unsafe { buffer.write(SvmBuffer::EMPTY) };
        Ok(())
    })
}
