//! Contract addresses: derived from who deployed what, deterministically.

use primitive_types::H256;
use svm_state::Address;

/// The address of the contract deployed by `author` with `nonce` running the
/// code `code_hash`: the last 20 bytes of keccak256("svm-contract" ‖ author
/// (20 bytes) ‖ nonce (8 bytes, big-endian) ‖ code_hash (32 bytes)).
pub fn contract_address(author: &Address, nonce: u64, code_hash: &H256) -> Address {
    let mut preimage = Vec::with_capacity(12 + 20 + 8 + 32);
    preimage.extend_from_slice(b"svm-contract");
    preimage.extend_from_slice(author.as_bytes());
    preimage.extend_from_slice(&nonce.to_be_bytes());
    preimage.extend_from_slice(code_hash.as_bytes());
    Address::from_slice(&keccak_hash::keccak(&preimage)[12..])
}

/// The address of the template of code `code_hash` (code deployed once
/// for contracts to be spawned from and libraries to be called in): the
/// last 20 bytes of keccak256("svm-template" ‖ code_hash (32 bytes)). A
/// template is an account there holding the code; it is not a contract
/// (calls to it are refused).
pub fn template_address(code_hash: &H256) -> Address {
    let mut preimage = Vec::with_capacity(12 + 32);
    preimage.extend_from_slice(b"svm-template");
    preimage.extend_from_slice(code_hash.as_bytes());
    Address::from_slice(&keccak_hash::keccak(&preimage)[12..])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins the formula (docs/FORMATS.md).
    #[test]
    fn address_vector() {
        let a = contract_address(&Address::repeat_byte(0xaa), 7, &H256::repeat_byte(0x11));
        let mut pre = b"svm-contract".to_vec();
        pre.extend([0xaa; 20]);
        pre.extend(7u64.to_be_bytes());
        pre.extend([0x11; 32]);
        assert_eq!(a.as_bytes(), &keccak_hash::keccak(&pre)[12..]);
        assert_eq!(
            format!("{a:#x}"),
            "0xdd970dc1ad2fe04410ff13e08b5ba8c5d64a877b",
            "pinned vector"
        );
        assert_ne!(
            a,
            contract_address(&Address::repeat_byte(0xaa), 8, &H256::repeat_byte(0x11))
        );
    }

    /// Pins the template formula (docs/FORMATS.md).
    #[test]
    fn template_vector() {
        let hash = H256::repeat_byte(0x11);
        let mut pre = b"svm-template".to_vec();
        pre.extend([0x11; 32]);
        let t = template_address(&hash);
        assert_eq!(t.as_bytes(), &keccak_hash::keccak(&pre)[12..]);
        assert_eq!(
            format!("{t:#x}"),
            "0xe308563b9df2025dec42e8d172f8223573f4389a"
        );
        assert_ne!(t, template_address(&H256::repeat_byte(0x12)));
    }
}
