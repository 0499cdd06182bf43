//! How typed values become bytes (docs/FORMATS.md "The Rust SDK's
//! encodings"): integers are little-endian in variables, elements, arguments
//! and return data, and big-endian in map keys and set members, so a sorted
//! set orders unsigned integers numerically (signed ones are stored with the
//! sign bit flipped, so they order numerically too). Byte arrays, byte
//! vectors and strings are their bytes; `bool` is one byte, 0 or 1.

use alloc::string::String;
use alloc::vec::Vec;

/// A value of fixed size: a storage variable's type.
pub trait Fixed: Sized {
    /// Its size in bytes.
    const SIZE: u32;
    /// Reads variable `var` (which has `SIZE` bytes).
    fn load(var: u32) -> Self;
    /// Writes variable `var`.
    fn store(&self, var: u32);
}

/// A value stored as a structure element, passed as an argument or
/// returned.
pub trait Value: Sized {
    /// Appends its bytes.
    fn encode(&self, out: &mut Vec<u8>);
    /// Decodes exactly `bytes`; `None` if they are not one of its
    /// encodings (a wrong length, a `bool` other than 0 or 1, bad UTF-8).
    fn decode(bytes: &[u8]) -> Option<Self>;
    /// Its bytes.
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

/// A map key or set member.
pub trait Key: Sized {
    /// Appends its bytes as a key.
    fn encode_key(&self, out: &mut Vec<u8>);
    /// Decodes a key.
    fn decode_key(bytes: &[u8]) -> Option<Self>;
    /// Its bytes as a key.
    fn key_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_key(&mut out);
        out
    }
}

macro_rules! integers {
    ($($t:ty => $flip:expr),* $(,)?) => {$(
        impl Fixed for $t {
            const SIZE: u32 = core::mem::size_of::<$t>() as u32;
            fn load(var: u32) -> Self {
                let mut b = [0u8; core::mem::size_of::<$t>()];
                // SAFETY: the buffer has exactly SIZE writable bytes.
                unsafe { crate::sys::storage_read(var, b.as_mut_ptr(), Self::SIZE) };
                <$t>::from_le_bytes(b)
            }
            fn store(&self, var: u32) {
                let b = self.to_le_bytes();
                // SAFETY: the buffer has exactly SIZE readable bytes.
                unsafe { crate::sys::storage_write(var, b.as_ptr(), Self::SIZE) };
            }
        }
        impl Value for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn decode(bytes: &[u8]) -> Option<Self> {
                Some(<$t>::from_le_bytes(bytes.try_into().ok()?))
            }
        }
        impl Key for $t {
            fn encode_key(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&(self ^ $flip).to_be_bytes());
            }
            fn decode_key(bytes: &[u8]) -> Option<Self> {
                Some(<$t>::from_be_bytes(bytes.try_into().ok()?) ^ $flip)
            }
        }
    )*};
}

integers! {
    u8 => 0, u16 => 0, u32 => 0, u64 => 0, u128 => 0,
    i8 => i8::MIN, i16 => i16::MIN, i32 => i32::MIN, i64 => i64::MIN, i128 => i128::MIN,
}

impl Fixed for bool {
    const SIZE: u32 = 1;
    fn load(var: u32) -> Self {
        match u8::load(var) {
            0 => false,
            1 => true,
            _ => crate::abort("a bool variable holds neither 0 nor 1"),
        }
    }
    fn store(&self, var: u32) {
        u8::from(*self).store(var)
    }
}

impl Value for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn decode(bytes: &[u8]) -> Option<Self> {
        match bytes {
            [0] => Some(false),
            [1] => Some(true),
            _ => None,
        }
    }
}

impl<const N: usize> Fixed for [u8; N] {
    const SIZE: u32 = {
        assert!(N >= 1 && N <= 1 << 20, "a variable is 1 to 2^20 bytes");
        N as u32
    };
    fn load(var: u32) -> Self {
        let mut b = [0u8; N];
        // SAFETY: the buffer has exactly SIZE writable bytes.
        unsafe { crate::sys::storage_read(var, b.as_mut_ptr(), Self::SIZE) };
        b
    }
    fn store(&self, var: u32) {
        // SAFETY: the array has exactly SIZE readable bytes.
        unsafe { crate::sys::storage_write(var, self.as_ptr(), Self::SIZE) };
    }
}

impl<const N: usize> Value for [u8; N] {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
    fn decode(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok()
    }
}

impl<const N: usize> Key for [u8; N] {
    fn encode_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
    fn decode_key(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok()
    }
}

impl Value for Vec<u8> {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
    fn decode(bytes: &[u8]) -> Option<Self> {
        Some(bytes.to_vec())
    }
}

impl Key for Vec<u8> {
    fn encode_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self);
    }
    fn decode_key(bytes: &[u8]) -> Option<Self> {
        Some(bytes.to_vec())
    }
}

impl Value for String {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
    fn decode(bytes: &[u8]) -> Option<Self> {
        String::from_utf8(bytes.to_vec()).ok()
    }
}

impl Key for String {
    fn encode_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_bytes());
    }
    fn decode_key(bytes: &[u8]) -> Option<Self> {
        String::from_utf8(bytes.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use quickcheck::quickcheck;

    fn round_trip<T: Value + Key + PartialEq + Clone>(v: T) -> bool {
        T::decode(&v.to_bytes()) == Some(v.clone()) && T::decode_key(&v.key_bytes()) == Some(v)
    }

    quickcheck! {
        fn integers_round_trip(a: u64, b: i64, c: u128, d: i32, e: u8) -> bool {
            round_trip(a) && round_trip(b) && round_trip(c) && round_trip(d) && round_trip(e)
        }

        fn bytes_round_trip(v: Vec<u8>, s: String) -> bool {
            round_trip(v) && round_trip(s)
        }

        fn keys_order_as_the_numbers_do(a: i64, b: i64, c: u32, d: u32) -> bool {
            a.cmp(&b) == a.key_bytes().cmp(&b.key_bytes())
                && c.cmp(&d) == c.key_bytes().cmp(&d.key_bytes())
        }
    }

    #[test]
    fn encodings_are_pinned() {
        assert_eq!(0x0102_0304u32.to_bytes(), vec![4, 3, 2, 1]);
        assert_eq!(0x0102_0304u32.key_bytes(), vec![1, 2, 3, 4]);
        assert_eq!((-1i16).key_bytes(), vec![0x7f, 0xff]);
        assert_eq!(true.to_bytes(), vec![1]);
        assert_eq!(bool::decode(&[2]), None);
        assert_eq!(u64::decode(&[1, 2, 3]), None);
        assert_eq!(<[u8; 2]>::decode(&[1, 2, 3]), None);
        assert_eq!(String::decode(&[0xff]), None);
    }
}
