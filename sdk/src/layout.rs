//! The `svm-layout` section a contract's storage declaration emits
//! (docs/FORMATS.md "Storage layouts", "Structures"), computed at compile
//! time so the section and the accessors come from the same declaration.

/// The page size the SDK's layouts use.
pub const PAGE_SIZE: u32 = 4096;

/// How deep structures nest (svm's `MAX_DEPTH`: a list of maps of sets is 3).
pub const MAX_DEPTH: usize = 8;

/// Room for a kind descriptor: a tag per level and the bytes element.
const DESCRIPTOR_ROOM: usize = MAX_DEPTH + 1;

/// A structure's kind descriptor (`0x01 E` list, `0x02 E` map, `0x03` set,
/// `0x04` sorted set; `E` is `0x00` for bytes or a nested descriptor).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Descriptor {
    bytes: [u8; DESCRIPTOR_ROOM],
    len: usize,
    depth: usize,
}

impl Descriptor {
    /// The element descriptor of byte-string elements (`0x00`).
    pub const BYTES: Descriptor = Descriptor::one(0x00);
    /// A set (`0x03`).
    pub const SET: Descriptor = Descriptor::one(0x03);
    /// A sorted set (`0x04`).
    pub const SORTED_SET: Descriptor = Descriptor::one(0x04);

    const fn one(byte: u8) -> Descriptor {
        let mut bytes = [0; DESCRIPTOR_ROOM];
        bytes[0] = byte;
        Descriptor {
            bytes,
            len: 1,
            depth: if byte == 0 { 0 } else { 1 },
        }
    }

    const fn wrap(tag: u8, element: Descriptor) -> Descriptor {
        assert!(
            element.depth < MAX_DEPTH,
            "structures nest at most 8 levels deep"
        );
        let mut bytes = [0; DESCRIPTOR_ROOM];
        bytes[0] = tag;
        let mut i = 0;
        while i < element.len {
            bytes[i + 1] = element.bytes[i];
            i += 1;
        }
        Descriptor {
            bytes,
            len: element.len + 1,
            depth: element.depth + 1,
        }
    }

    /// A list of `element`s (`0x01 E`).
    pub const fn list(element: Descriptor) -> Descriptor {
        Descriptor::wrap(0x01, element)
    }

    /// A map with `element` values (`0x02 E`).
    pub const fn map(element: Descriptor) -> Descriptor {
        Descriptor::wrap(0x02, element)
    }

    /// The descriptor's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// What one storage variable is: fixed bytes of a size, or a structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// A fixed-size variable of this many bytes (1 to 2^20).
    Fixed(u32),
    /// A structure variable of this kind.
    Structure(Descriptor),
}

const fn leb_len(mut n: u32) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

const fn put_leb(out: &mut [u8], mut at: usize, mut n: u32) -> usize {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out[at] = byte;
            return at + 1;
        }
        out[at] = byte | 0x80;
        at += 1;
    }
}

/// The length of the section for `slots`.
pub const fn encoded_len(slots: &[Slot]) -> usize {
    assert!(slots.len() <= 65_536, "at most 65,536 variables");
    let mut len = leb_len(PAGE_SIZE) + leb_len(slots.len() as u32);
    let mut i = 0;
    while i < slots.len() {
        len += match slots[i] {
            Slot::Fixed(size) => {
                assert!(
                    size >= 1 && size <= 1 << 20,
                    "a variable is 1 to 2^20 bytes"
                );
                leb_len(size)
            }
            Slot::Structure(d) => 1 + d.len,
        };
        i += 1;
    }
    len
}

/// The section's bytes for `slots` (`N` must be [`encoded_len`]).
pub const fn encode<const N: usize>(slots: &[Slot]) -> [u8; N] {
    assert!(
        N == encoded_len(slots),
        "the layout's length is encoded_len"
    );
    let mut out = [0u8; N];
    let mut at = put_leb(&mut out, 0, PAGE_SIZE);
    at = put_leb(&mut out, at, slots.len() as u32);
    let mut i = 0;
    while i < slots.len() {
        match slots[i] {
            Slot::Fixed(size) => at = put_leb(&mut out, at, size),
            Slot::Structure(d) => {
                out[at] = 0;
                at += 1;
                let mut j = 0;
                while j < d.len {
                    out[at] = d.bytes[j];
                    at += 1;
                    j += 1;
                }
            }
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_counter_and_token_layouts_of_the_wat_examples() {
        // examples/contracts/counter.wat: "\80\20\01\08"
        const C: [Slot; 1] = [Slot::Fixed(8)];
        assert_eq!(encode::<4>(&C), [0x80, 0x20, 0x01, 0x08]);
        // token.wat: "\80\20\05\08\20\20\20\20"
        const T: [Slot; 5] = [
            Slot::Fixed(8),
            Slot::Fixed(32),
            Slot::Fixed(32),
            Slot::Fixed(32),
            Slot::Fixed(32),
        ];
        assert_eq!(encoded_len(&T), 8);
        assert_eq!(encode::<8>(&T), [0x80, 0x20, 5, 8, 32, 32, 32, 32]);
    }

    #[test]
    fn structures_and_multi_byte_sizes() {
        // map<bytes, list<bytes>> is 02 01 00 (FORMATS "Structures").
        let nested = Descriptor::map(Descriptor::list(Descriptor::BYTES));
        assert_eq!(nested.as_bytes(), [0x02, 0x01, 0x00]);
        let slots = [
            Slot::Fixed(300),
            Slot::Structure(nested),
            Slot::Structure(Descriptor::SORTED_SET),
        ];
        assert_eq!(encoded_len(&slots), 2 + 1 + 2 + 4 + 2);
        assert_eq!(
            encode::<11>(&slots),
            [0x80, 0x20, 3, 0xac, 0x02, 0, 2, 1, 0, 0, 4]
        );
    }

    #[test]
    #[should_panic(expected = "nest at most 8")]
    fn nine_levels_are_refused() {
        // Seven lists around a set are eight levels, as svm allows.
        let mut d = Descriptor::SET;
        for _ in 0..7 {
            d = Descriptor::list(d);
        }
        assert_eq!(d.as_bytes(), [1, 1, 1, 1, 1, 1, 1, 3]);
        Descriptor::map(d);
    }
}
