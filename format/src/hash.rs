//! keccak256: in assembly on native targets (`keccak-asm`, CRYPTOGAMS'
//! Keccak-f[1600] for x86-64 and AArch64, its portable Rust elsewhere),
//! `tiny-keccak` on wasm32, where the verifier runs in light clients. Both
//! compute the same function; the trie vectors and a cross-check pin it.

/// keccak256 of `data`.
#[cfg(not(target_arch = "wasm32"))]
#[inline]
pub fn keccak256(data: &[u8]) -> crate::Hash {
    use keccak_asm::Keccak256;
    Keccak256::digest(data).into()
}

/// keccak256 of `data`.
#[cfg(target_arch = "wasm32")]
pub fn keccak256(data: &[u8]) -> crate::Hash {
    use tiny_keccak::{Hasher, Keccak};
    let mut k = Keccak::v256();
    k.update(data);
    let mut out = [0u8; 32];
    k.finalize(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::keccak256;
    use alloc::vec::Vec;

    /// Against tiny-keccak (what wasm32 builds use) on every length around
    /// the 136-byte rate and on a 4 KiB page.
    #[test]
    fn agrees_with_the_portable_keccak() {
        use tiny_keccak::{Hasher, Keccak};
        let data: Vec<u8> = (0..5000u32).map(|i| (i * 31 + 7) as u8).collect();
        for len in (0..=300).chain([4096, 4097, 5000]) {
            let mut k = Keccak::v256();
            k.update(&data[..len]);
            let mut want = [0u8; 32];
            k.finalize(&mut want);
            assert_eq!(keccak256(&data[..len]), want, "length {len}");
        }
        assert_eq!(
            keccak256(b""),
            [
                0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7,
                0x03, 0xc0, 0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04,
                0x5d, 0x85, 0xa4, 0x70
            ]
        );
    }
}
