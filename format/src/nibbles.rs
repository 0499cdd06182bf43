//! Keys as nibble paths (4-bit digits, high nibble first) and the
//! hex-prefix (compact) encoding trie nodes store paths in (Yellow Paper,
//! appendix C).

use alloc::boxed::Box;
use alloc::vec::Vec;

/// Number of nibbles in `key`.
#[inline]
pub fn key_len(key: &[u8]) -> usize {
    key.len() * 2
}

/// Nibble `i` of the byte string `key` (high nibble first). `i` must be
/// below [`key_len`].
#[inline]
pub fn key_nibble(key: &[u8], i: usize) -> u8 {
    let b = key[i / 2];
    if i.is_multiple_of(2) {
        b >> 4
    } else {
        b & 0x0f
    }
}

/// Whether `key` continues at nibble `depth` with the `len` nibbles `at(0)`,
/// `at(1)`, … (a path in whatever form it is held).
#[inline]
pub fn continues_with(key: &[u8], depth: usize, len: usize, at: impl Fn(usize) -> u8) -> bool {
    depth + len <= key_len(key) && (0..len).all(|i| key_nibble(key, depth + i) == at(i))
}

/// A hex-prefix encoded path borrowed from an encoded node.
#[derive(Clone, Copy, Debug)]
pub struct HexPrefix<'a> {
    bytes: &'a [u8],
    odd: bool,
}

impl<'a> HexPrefix<'a> {
    /// Parses a hex-prefix path, returning it and its leaf flag, or `None`
    /// if malformed (empty, a flag above 3, or an even path whose padding
    /// nibble is not zero).
    pub fn parse(bytes: &'a [u8]) -> Option<(Self, bool)> {
        let first = *bytes.first()?;
        let flag = first >> 4;
        if flag > 3 {
            return None;
        }
        let odd = flag & 1 == 1;
        if !odd && first & 0x0f != 0 {
            return None;
        }
        Some((HexPrefix { bytes, odd }, flag & 2 == 2))
    }

    /// A path the caller encoded itself with [`encode_hex_prefix`] (so it is
    /// well formed; the flag is not checked again). `bytes` must not be empty.
    pub fn trusted(bytes: &'a [u8]) -> Self {
        HexPrefix {
            bytes,
            odd: bytes[0] & 0x10 != 0,
        }
    }

    /// The encoded bytes, flag byte first.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Whether the path has no nibbles.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of nibbles in the path.
    #[inline]
    pub fn len(&self) -> usize {
        (self.bytes.len() - 1) * 2 + usize::from(self.odd)
    }

    /// Nibble `i` of the path.
    #[inline]
    pub fn at(&self, i: usize) -> u8 {
        let j = i + if self.odd { 1 } else { 2 };
        key_nibble(self.bytes, j)
    }

    /// Whether `key` continues with this path at nibble `depth`.
    #[inline]
    pub fn continues(&self, key: &[u8], depth: usize) -> bool {
        continues_with(key, depth, self.len(), |i| self.at(i))
    }

    /// The path as one nibble per byte.
    pub fn to_nibbles(self) -> Box<[u8]> {
        (0..self.len()).map(|i| self.at(i)).collect()
    }
}

/// Appends the hex-prefix encoding of `nibbles` (one per byte, with the
/// leaf flag) to `out`.
pub fn encode_hex_prefix(nibbles: &[u8], leaf: bool, out: &mut Vec<u8>) {
    let odd = nibbles.len() % 2 == 1;
    let flag = (u8::from(leaf) << 1) | u8::from(odd);
    let rest = if odd {
        out.push((flag << 4) | nibbles[0]);
        &nibbles[1..]
    } else {
        out.push(flag << 4);
        nibbles
    };
    out.extend(rest.chunks_exact(2).map(|p| (p[0] << 4) | p[1]));
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn hex_prefix_round_trips() {
        for n in 0..9usize {
            let nibbles: Vec<u8> = (0..n as u8).map(|i| (i * 7) % 16).collect();
            for leaf in [false, true] {
                let mut enc = Vec::new();
                encode_hex_prefix(&nibbles, leaf, &mut enc);
                let (hp, is_leaf) = HexPrefix::parse(&enc).unwrap();
                assert_eq!(is_leaf, leaf);
                assert_eq!(&*hp.to_nibbles(), &nibbles[..]);
            }
        }
    }

    #[test]
    fn yellow_paper_examples() {
        let mut out = Vec::new();
        encode_hex_prefix(&[1, 2, 3, 4, 5], false, &mut out);
        assert_eq!(out, [0x11, 0x23, 0x45]);
        out.clear();
        encode_hex_prefix(&[0, 15, 1, 12, 11, 8], true, &mut out);
        assert_eq!(out, [0x20, 0x0f, 0x1c, 0xb8]);
        assert!(HexPrefix::parse(&[0x40]).is_none());
        assert!(HexPrefix::parse(&[0x01]).is_none());
        assert!(HexPrefix::parse(&[]).is_none());
    }

    #[test]
    fn continues() {
        let mut enc = Vec::new();
        encode_hex_prefix(&[0xa, 0xb, 0x0], false, &mut enc);
        let (hp, _) = HexPrefix::parse(&enc).unwrap();
        assert!(hp.continues(&[0xab, 0x01], 0));
        assert!(!hp.continues(&[0xab, 0x11], 0));
        assert!(hp.continues(&[0x0a, 0xb0], 1));
        assert!(!hp.continues(&[0x0a, 0xb0], 2)); // runs past the key
        assert_eq!(
            vec![0xa, 0xb],
            (0..2).map(|i| key_nibble(&[0xab], i)).collect::<Vec<_>>()
        );
    }
}
