//! svm-verify inside WebAssembly: built for `wasm32-unknown-unknown`, this
//! module exports what a light client's host calls — space for a proof,
//! and the verification of a binary receipt or variable proof against a
//! 32-byte root. svm-tests runs it under wasmer to show the verifier gives
//! inside wasm32 the answers it gives natively.

use svm_verify::binary;

/// Reserves `len` bytes of the module's memory for the host to write a
/// proof or a root into; returns where (the bytes stay reserved).
#[unsafe(no_mangle)]
pub extern "C" fn probe_alloc(len: usize) -> *mut u8 {
    let mut buf = Vec::<u8>::with_capacity(len);
    let at = buf.as_mut_ptr();
    std::mem::forget(buf);
    at
}

/// The `len` bytes at `ptr`.
///
/// # Safety
/// `ptr..ptr + len` must be memory the host wrote (from [`probe_alloc`]).
unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    // SAFETY: the caller passes memory it reserved with `probe_alloc`.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// The 32-byte root at `ptr`.
///
/// # Safety
/// `ptr` must point at 32 bytes the host wrote.
unsafe fn root(ptr: *const u8) -> [u8; 32] {
    // SAFETY: as for `bytes`.
    let b = unsafe { bytes(ptr, 32) };
    let mut out = [0u8; 32];
    out.copy_from_slice(b);
    out
}

/// Verifies the binary receipt proof at `proof` against the receipts root
/// at `root_ptr`: the receipt's gas used, or -1 when it does not verify.
///
/// # Safety
/// `proof..proof + len` and `root_ptr..root_ptr + 32` must be memory the
/// host wrote.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn verify_receipt(proof: *const u8, len: usize, root_ptr: *const u8) -> i64 {
    // SAFETY: forwarded from the caller.
    let (proof, root) = unsafe { (bytes(proof, len), root(root_ptr)) };
    binary::decode_receipt(proof)
        .and_then(|p| p.verify(&root))
        .map_or(-1, |r| i64::try_from(r.gas_used).unwrap_or(-1))
}

/// Verifies the binary variable proof at `proof` (which must carry the
/// code) against the world root at `root_ptr`: the variable's length, -2
/// when the proof shows no account, or -1 when it does not verify.
///
/// # Safety
/// As for [`verify_receipt`].
#[unsafe(no_mangle)]
pub unsafe extern "C" fn verify_variable(proof: *const u8, len: usize, root_ptr: *const u8) -> i64 {
    // SAFETY: forwarded from the caller.
    let (proof, root) = unsafe { (bytes(proof, len), root(root_ptr)) };
    match binary::decode_variable(proof).and_then(|p| p.verify(&root, None)) {
        Ok(proven) => proven.value.map_or(-2, |v| v.len() as i64),
        Err(_) => -1,
    }
}
