//! Every entry point runs through [`guard`]: a panic becomes
//! `SVM_STATUS_PANIC` instead of unwinding into the caller, and a failure
//! writes its message to the caller's error buffer.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::memory::{SvmBuffer, clear, give, put};
use crate::status::{FfiError, SvmStatus};

/// Runs `f`, turning its error or panic into a status and a message in
/// `err` (when not NULL; emptied on success).
///
/// The closures are unwind-safe in the sense that matters: what a panic
/// can leave half-done is a session never committed (dropped: nothing
/// changes) or a lock whose users recover from poisoning.
pub(crate) fn guard(err: *mut SvmBuffer, f: impl FnOnce() -> Result<(), FfiError>) -> SvmStatus {
    let outcome = catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string());
        Err(FfiError::new(
            SvmStatus::Panic,
            format!("svm panicked (a bug in svm; nothing was committed): {what}"),
        ))
    });
    let (status, message) = match outcome {
        Ok(()) => (SvmStatus::Ok, None),
        Err(e) => (e.status, Some(e.message)),
    };
    if !err.is_null() {
        let buffer = message.map_or(SvmBuffer::EMPTY, |m| give(m.into_bytes()));
        // SAFETY: the documented contract of every entry point: `err` is
        // NULL or valid for a write of an SvmBuffer.
        unsafe { err.write(buffer) };
    }
    status
}

/// [`guard`] for a call whose result is one buffer: `out` is emptied
/// first (a failure leaves nothing to free) and must not be NULL, checked
/// before `f` runs (so no transaction commits whose receipt could not be
/// handed over); it receives what `f` returns.
///
/// `out` and `err` must be NULL or valid for a write of an [`SvmBuffer`]
/// (every entry point's documented contract).
pub(crate) fn guard_buffer(
    out: *mut SvmBuffer,
    err: *mut SvmBuffer,
    f: impl FnOnce() -> Result<Vec<u8>, FfiError>,
) -> SvmStatus {
    guard(err, || {
        // SAFETY: the contract above.
        unsafe { clear(out) };
        if out.is_null() {
            return Err(FfiError::null("the output buffer"));
        }
        let bytes = f()?;
        // SAFETY: as above.
        unsafe { put(out, bytes) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let mut err = SvmBuffer::EMPTY;
        let status = guard(&mut err, || panic!("boom {}", 7));
        assert_eq!(status, SvmStatus::Panic);
        // SAFETY: a buffer `guard` handed out.
        let message = unsafe { std::slice::from_raw_parts(err.ptr, err.len) }.to_vec();
        assert!(String::from_utf8_lossy(&message).contains("boom 7"));
        // SAFETY: as above, freed once.
        assert_eq!(
            unsafe { crate::memory::svm_buffer_free(&mut err) },
            SvmStatus::Ok
        );
        // Without an error buffer, the status alone.
        assert_eq!(
            guard(std::ptr::null_mut(), || panic!("quiet")),
            SvmStatus::Panic
        );
        assert_eq!(guard(std::ptr::null_mut(), || Ok(())), SvmStatus::Ok);
    }
}
