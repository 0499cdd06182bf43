//! keccak256.

use tiny_keccak::{Hasher, Keccak};

/// keccak256 of `data`.
pub fn keccak256(data: &[u8]) -> crate::Hash {
    let mut k = Keccak::v256();
    k.update(data);
    let mut out = [0u8; 32];
    k.finalize(&mut out);
    out
}
