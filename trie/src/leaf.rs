//! Leaves in memory: the rest of the key, hex-prefix encoded as it is stored,
//! and the value, in one allocation.

use crate::HexPrefix;
use crate::nibbles::{encode_hex_prefix, key_len};

/// Appends the hex-prefix encoding (leaf flag set) of the rest of `key`
/// below nibble `depth`.
pub(crate) fn push_key_hex_prefix(key: &[u8], depth: usize, out: &mut Vec<u8>) {
    let byte = depth / 2;
    if depth.is_multiple_of(2) {
        out.push(0x20);
        out.extend_from_slice(&key[byte..]);
    } else {
        out.push(0x30 | (key[byte] & 0x0f));
        out.extend_from_slice(&key[byte + 1..]);
    }
}

/// A leaf's hex-prefix path followed by its value.
#[derive(Clone, Debug)]
pub(crate) struct Leaf {
    data: Box<[u8]>,
    hp_len: u32,
}

impl Leaf {
    fn with(hp: impl FnOnce(&mut Vec<u8>), hp_hint: usize, value: &[u8]) -> Self {
        let mut data = Vec::with_capacity(hp_hint + value.len());
        hp(&mut data);
        let hp_len = data.len() as u32;
        data.extend_from_slice(value);
        Leaf {
            data: data.into_boxed_slice(),
            hp_len,
        }
    }

    /// The leaf for `key` below nibble `depth`.
    pub(crate) fn from_key(key: &[u8], depth: usize, value: &[u8]) -> Self {
        Self::with(
            |d| push_key_hex_prefix(key, depth, d),
            key.len() + 1 - depth / 2,
            value,
        )
    }

    /// The leaf for a path given as nibbles.
    pub(crate) fn from_nibbles(path: &[u8], value: &[u8]) -> Self {
        Self::with(
            |d| encode_hex_prefix(path, true, d),
            path.len() / 2 + 1,
            value,
        )
    }

    /// The leaf for a decoded hex-prefix path (with its leaf flag).
    pub(crate) fn from_hex_prefix(hp: &[u8], value: &[u8]) -> Self {
        Self::with(|d| d.extend_from_slice(hp), hp.len(), value)
    }

    /// The hex-prefix encoded path.
    pub(crate) fn hex_prefix(&self) -> &[u8] {
        &self.data[..self.hp_len as usize]
    }

    /// The path.
    pub(crate) fn path(&self) -> HexPrefix<'_> {
        HexPrefix::trusted(self.hex_prefix())
    }

    /// The value.
    pub(crate) fn value(&self) -> &[u8] {
        &self.data[self.hp_len as usize..]
    }

    /// Replaces the value.
    pub(crate) fn set_value(&mut self, value: &[u8]) {
        *self = Self::from_hex_prefix(self.hex_prefix(), value);
    }

    /// Whether this leaf, below nibble `depth`, holds exactly `key`.
    pub(crate) fn holds(&self, key: &[u8], depth: usize) -> bool {
        let hp = self.hex_prefix();
        if depth + self.path().len() != key_len(key) {
            return false;
        }
        // Equal lengths mean equal parities: compare whole bytes.
        let byte = depth / 2;
        if depth.is_multiple_of(2) {
            hp[1..] == key[byte..]
        } else {
            hp[0] & 0x0f == key[byte] & 0x0f && hp[1..] == key[byte + 1..]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_from_keys_at_both_parities() {
        let key = [0x12, 0x34, 0x56];
        for depth in 0..=6 {
            let leaf = Leaf::from_key(&key, depth, b"v");
            let want: Vec<u8> = (depth..6)
                .map(|i| crate::nibbles::key_nibble(&key, i))
                .collect();
            assert_eq!(&*leaf.path().to_nibbles(), &want[..], "depth {depth}");
            assert_eq!(leaf.value(), b"v");
            assert!(leaf.holds(&key, depth));
            assert!(!leaf.holds(&[0x12, 0x34, 0x57], depth) || depth == 6);
            let same = Leaf::from_nibbles(&want, b"v");
            assert_eq!(same.hex_prefix(), leaf.hex_prefix());
        }
        let mut leaf = Leaf::from_key(&key, 1, b"old");
        leaf.set_value(b"new value");
        assert_eq!(leaf.value(), b"new value");
        assert!(leaf.holds(&key, 1));
    }
}
