//! Serving snapshot ranges to syncing nodes, for hosts that carry requests
//! over their own network (`svm serve` answers the same over HTTP).

use primitive_types::H256;
use svm_sync::{RangeRequestError, answer_range};

use crate::db::with_db;
use crate::guard::guard_buffer;
use crate::handles::SvmDb;
use crate::memory::{SvmBuffer, SvmBytes};
use crate::status::{FfiError, SvmStatus};

/// The most entry bytes one range answer carries (2 MiB); larger requests
/// are capped.
pub const SVM_MAX_RANGE_BYTES: usize = 2 << 20;

/// Answers a range request (FORMATS.md, "Snapshot sync protocol"): the
/// range message of the trie at `root` (32 bytes, any trie the database
/// holds) from key `from` up to key `to` (empty: no bound), stopping at the
/// entry that reaches `max_bytes` (capped at `SVM_MAX_RANGE_BYTES`), with
/// its boundary proof. `SVM_STATUS_NOT_FOUND` if the trie is not held.
/// Thread-safe. Code is served by `svm_db_code`.
///
/// # Safety
/// Byte views must be readable for their lengths; `out` and `err` must be
/// NULL or writable (`out` NULL is an error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_serve_range(
    db: *const SvmDb,
    root: SvmBytes,
    from: SvmBytes,
    to: SvmBytes,
    max_bytes: usize,
    out: *mut SvmBuffer,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard_buffer(out, err, || {
        // SAFETY: the caller's promises.
        let root = H256(unsafe { root.array::<32>("root") }?);
        let (from, to) = unsafe { (from.slice("from")?, to.slice("to")?) };
        let to = (!to.is_empty()).then_some(to);
        let message = with_db(db, |h| {
            answer_range(
                &h.db,
                root,
                from,
                to,
                max_bytes.clamp(1, SVM_MAX_RANGE_BYTES),
            )
            .map_err(|e| match e {
                RangeRequestError::NotHeld(_) => FfiError::not_found(e.to_string()),
                RangeRequestError::Store(_) => FfiError::new(SvmStatus::Node, e.to_string()),
                _ => FfiError::invalid(e.to_string()),
            })
        })?;
        Ok(message)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cap_is_the_servers() {
        assert_eq!(
            super::SVM_MAX_RANGE_BYTES,
            svm_sync::wire::DEFAULT_SERVER_CAP
        );
    }
}
