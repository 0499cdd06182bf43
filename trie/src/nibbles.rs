//! Nibble paths: keys seen as sequences of 4-bit digits, one digit per byte
//! (the rules themselves, and hex-prefix paths, are svm-format's).

pub(crate) use svm_format::nibbles::{continues_with, encode_hex_prefix, key_len, key_nibble};

/// The nibbles `key[from..to]` (nibble indices), one per byte.
pub(crate) fn key_nibbles(key: &[u8], from: usize, to: usize) -> Box<[u8]> {
    (from..to).map(|i| key_nibble(key, i)).collect()
}

/// Whether `key` continues with the nibbles `path` at nibble `depth`.
#[inline]
pub(crate) fn has_path(key: &[u8], depth: usize, path: &[u8]) -> bool {
    continues_with(key, depth, path.len(), |i| path[i])
}

/// Unpacks a byte string into its nibbles.
pub(crate) fn unpack(key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() * 2);
    for b in key {
        out.push(b >> 4);
        out.push(b & 0x0f);
    }
    out
}

/// Packs an even-length nibble sequence back into bytes; `None` if its length is odd.
pub(crate) fn pack(nibbles: &[u8]) -> Option<Vec<u8>> {
    if !nibbles.len().is_multiple_of(2) {
        return None;
    }
    Some(
        nibbles
            .chunks_exact(2)
            .map(|p| (p[0] << 4) | p[1])
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_unpack() {
        assert_eq!(unpack(&[0xab, 0x01]), vec![0xa, 0xb, 0, 1]);
        assert_eq!(pack(&[0xa, 0xb, 0, 1]).unwrap(), vec![0xab, 0x01]);
        assert!(pack(&[1]).is_none());
    }
}
