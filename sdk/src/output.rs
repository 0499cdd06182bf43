//! What a call hands back: return data, logs, events, and failure.

use crate::sys;

/// The longest topic list an event has.
pub const MAX_TOPICS: usize = 4;

/// Sets the call's return data (the last call wins).
pub fn set_return(data: &[u8]) {
    // SAFETY: data is readable.
    unsafe { sys::set_return(data.as_ptr(), data.len() as u32) }
}

/// Emits `data` as an event without topics, kept by no index.
pub fn log(data: &[u8]) {
    // SAFETY: data is readable.
    unsafe { sys::log(data.as_ptr(), data.len() as u32) }
}

/// Emits an event of up to four 32-byte topics and `data` (≤ 64 KiB),
/// kept by nodes' event indexes for `ttl` blocks (≤ 2,592,000); more
/// topics, more data or a longer time trap.
pub fn emit(topics: &[[u8; 32]], data: &[u8], ttl: u64) {
    // SAFETY: topics is a readable run of topics.len() × 32 bytes, data is
    // readable.
    unsafe {
        sys::emit(
            topics.as_ptr().cast(),
            topics.len() as u32,
            data.as_ptr(),
            data.len() as u32,
            ttl,
        )
    }
}

/// Stops the call with `message` (the receipt's trap message): nothing the
/// transaction did is kept.
pub fn abort(message: &str) -> ! {
    // SAFETY: message is readable; the vmcall does not return.
    unsafe { sys::abort(message.as_ptr(), message.len() as u32) }
}
