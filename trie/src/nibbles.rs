//! Nibble paths: keys seen as sequences of 4-bit digits, one digit per byte.

/// Number of nibbles in `key`.
#[inline]
pub(crate) fn key_len(key: &[u8]) -> usize {
    key.len() * 2
}

/// Nibble `i` of the byte string `key` (high nibble first).
#[inline]
pub(crate) fn key_nibble(key: &[u8], i: usize) -> u8 {
    let b = key[i / 2];
    if i.is_multiple_of(2) {
        b >> 4
    } else {
        b & 0x0f
    }
}

/// The nibbles `key[from..to]` (nibble indices), one per byte.
pub(crate) fn key_nibbles(key: &[u8], from: usize, to: usize) -> Box<[u8]> {
    (from..to).map(|i| key_nibble(key, i)).collect()
}

/// Whether `key` continues at nibble `depth` with the `len` nibbles `at(0)`,
/// `at(1)`, … (a path in whatever form it is held).
#[inline]
pub(crate) fn continues_with(
    key: &[u8],
    depth: usize,
    len: usize,
    at: impl Fn(usize) -> u8,
) -> bool {
    depth + len <= key_len(key) && (0..len).all(|i| key_nibble(key, depth + i) == at(i))
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

/// A hex-prefix (compact) encoded path borrowed from an encoded node.
#[derive(Clone, Copy, Debug)]
pub struct HexPrefix<'a> {
    bytes: &'a [u8],
    odd: bool,
}

impl<'a> HexPrefix<'a> {
    /// Parses a hex-prefix path, returning it and its leaf flag, or `None` if malformed.
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

    /// A path known to be well formed (encoded by this crate).
    pub(crate) fn trusted(bytes: &'a [u8]) -> Self {
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

    /// The path as one nibble per byte.
    pub fn to_nibbles(self) -> Box<[u8]> {
        (0..self.len()).map(|i| self.at(i)).collect()
    }
}

/// Appends the hex-prefix encoding of `nibbles` (with the leaf flag) to `out`.
pub(crate) fn encode_hex_prefix(nibbles: &[u8], leaf: bool, out: &mut Vec<u8>) {
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
    fn pack_unpack() {
        assert_eq!(unpack(&[0xab, 0x01]), vec![0xa, 0xb, 0, 1]);
        assert_eq!(pack(&[0xa, 0xb, 0, 1]).unwrap(), vec![0xab, 0x01]);
        assert!(pack(&[1]).is_none());
    }
}
