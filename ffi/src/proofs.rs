//! Proofs: built from a database (variable, element, receipt) as binary
//! or JSON, and verified without one (the light client's side).

use primitive_types::H256;
use svm_proofs::verify::binary;
use svm_proofs::verify::layout::Layout;
use svm_proofs::{json, prove_element, prove_receipt, prove_variable, verify_any};

use crate::codec::decode_path;
use crate::db::{address, root_or_head, with_db};
use crate::guard::guard_buffer;
use crate::handles::SvmDb;
use crate::memory::{SvmBuffer, SvmBytes};
use crate::status::{FfiError, SvmStatus};

/// Proofs in their compact binary encoding (what `svm_verify_proof` and
/// svm-verify read).
pub const SVM_FORMAT_BINARY: u32 = 0;
/// Proofs as JSON, shaped like `eth_getProof` (what `svm prove` prints).
pub const SVM_FORMAT_JSON: u32 = 1;

fn binary_format(format: u32) -> Result<bool, FfiError> {
    match format {
        SVM_FORMAT_BINARY => Ok(true),
        SVM_FORMAT_JSON => Ok(false),
        other => Err(FfiError::invalid(format!(
            "format {other}: not SVM_FORMAT_BINARY (0) or SVM_FORMAT_JSON (1)"
        ))),
    }
}

fn to_bytes(v: &serde_json::Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

/// Proves variable `variable` of the contract at `address` (or the
/// account's absence) under `root` (32 bytes; empty: the head), in
/// `format`. `with_code`: carry the contract's code, so a verifier that
/// does not know the layout can check it.
///
/// # Safety
/// Byte views must be readable for their lengths; `out` and `err` must be
/// NULL or writable (`out` NULL is an error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_prove_variable(
    db: *const SvmDb,
    root: SvmBytes,
    address: SvmBytes,
    variable: u32,
    with_code: bool,
    format: u32,
    out: *mut SvmBuffer,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard_buffer(out, err, || {
        // SAFETY: the caller's promises.
        let (root, addr) = unsafe { (root.slice("root")?, address.slice("address")?) };
        let addr = self::address(addr)?;
        let binary_out = binary_format(format)?;
        let bytes = with_db(db, |h| {
            let root = root_or_head(&h.db, root)?;
            let (proof, proven) = prove_variable(&h.db, root, &addr, variable, with_code)?;
            Ok(if binary_out {
                binary::encode_variable(&proof)
            } else {
                to_bytes(&json::variable_to_json(&proof, &proven))
            })
        })?;
        Ok(bytes)
    })
}

/// Proves an element of structure variable `variable` reached by `path`
/// (as `svm_db_element`), present or absent, under `root` (empty: the
/// head), in `format`.
///
/// # Safety
/// As `svm_prove_variable`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_prove_element(
    db: *const SvmDb,
    root: SvmBytes,
    address: SvmBytes,
    variable: u32,
    path: SvmBytes,
    with_code: bool,
    format: u32,
    out: *mut SvmBuffer,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard_buffer(out, err, || {
        // SAFETY: the caller's promises.
        let (root, addr, path) = unsafe {
            (
                root.slice("root")?,
                address.slice("address")?,
                path.slice("path")?,
            )
        };
        let addr = self::address(addr)?;
        let path = decode_path(path)?;
        if path.is_empty() {
            return Err(FfiError::invalid("path: no steps"));
        }
        let binary_out = binary_format(format)?;
        let bytes = with_db(db, |h| {
            let root = root_or_head(&h.db, root)?;
            let (proof, proven) = prove_element(&h.db, root, &addr, variable, &path, with_code)?;
            Ok(if binary_out {
                binary::encode_element(&proof)
            } else {
                to_bytes(&json::element_to_json(&proof, &proven))
            })
        })?;
        Ok(bytes)
    })
}

/// Proves receipt `index` of the block committed at `height` against the
/// block's receipts root, in `format` (JSON also names the block: height,
/// time, world root).
///
/// # Safety
/// `out` and `err` must be NULL or writable (`out` NULL is an error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_prove_receipt(
    db: *const SvmDb,
    height: u64,
    index: u64,
    format: u32,
    out: *mut SvmBuffer,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard_buffer(out, err, || {
        // SAFETY: the caller's promises.
        let binary_out = binary_format(format)?;
        let bytes = with_db(db, |h| {
            let (proof, receipt, block) = prove_receipt(&h.db, height, index)?;
            Ok(if binary_out {
                binary::encode_receipt(&proof)
            } else {
                let context = serde_json::json!({
                    "height": block.height,
                    "time": block.time,
                    "worldRoot": format!("{:#x}", block.world_root),
                });
                to_bytes(&json::receipt_to_json(&proof, &receipt, Some(context)))
            })
        })?;
        Ok(bytes)
    })
}

/// Verifies a proof (binary or JSON, of a variable, variables, element, elements, a
/// sorted-set range or a receipt) against `root`, the 32-byte root the
/// caller trusts (a world root; for a receipt proof, the block's receipts
/// root). `layout` (empty if unknown): the contract's layout section,
/// checked against the proof's code or standing in for it. Writes what was
/// proven as JSON (FORMATS.md, "C API encodings") to `out`. Needs no
/// database; thread-safe. A proof that does not verify is
/// `SVM_STATUS_PROOF_INVALID`.
///
/// # Safety
/// Byte views must be readable for their lengths; `out` and `err` must be
/// NULL or writable (`out` NULL is an error).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn svm_verify_proof(
    proof: SvmBytes,
    root: SvmBytes,
    layout: SvmBytes,
    out: *mut SvmBuffer,
    err: *mut SvmBuffer,
) -> SvmStatus {
    guard_buffer(out, err, || {
        // SAFETY: the caller's promises.
        let (proof, layout) = unsafe { (proof.slice("proof")?, layout.slice("layout")?) };
        let root = H256(unsafe { root.array::<32>("trusted root") }?);
        let layout = if layout.is_empty() {
            None
        } else {
            Some(Layout::decode(layout).map_err(|e| FfiError::invalid(format!("layout: {e}")))?)
        };
        let proven = verify_any(proof, Some(&root.0), layout.as_ref())?;
        Ok(to_bytes(&proven.to_json()))
    })
}
