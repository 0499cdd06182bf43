//! Function arguments, and their encoding: the RLP list a contract passes
//! to `call` and `delegate_call` (and the C API's transactions carry).
//! Part of consensus (docs/FORMATS.md "Contract calls").

use svm_format::rlp::{self, Item};

/// An argument to a contract function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// An i32 parameter.
    I32(i32),
    /// An i64 parameter.
    I64(i64),
    /// Bytes copied into the contract's memory (through its exported
    /// `svm_alloc(len) -> ptr`), passed as two i32 parameters: ptr, len.
    Bytes(Vec<u8>),
}

/// The tag of an `i32` argument.
const ARG_I32: u64 = 0;
/// The tag of an `i64` argument.
const ARG_I64: u64 = 1;
/// The tag of a byte-string argument.
const ARG_BYTES: u64 = 2;

/// Appends the encoding of `args`: the RLP list of `[0, u32]` (an i32's
/// two's-complement bits), `[1, u64]` (an i64's bits), `[2, bytes]`.
pub fn encode_args_into(out: &mut Vec<u8>, args: &[Arg]) {
    let mut items = Vec::new();
    for a in args {
        let mut f = Vec::new();
        match a {
            Arg::I32(v) => {
                rlp::encode_uint(&mut f, &ARG_I32.to_be_bytes());
                rlp::encode_uint(&mut f, &(*v as u32).to_be_bytes());
            }
            Arg::I64(v) => {
                rlp::encode_uint(&mut f, &ARG_I64.to_be_bytes());
                rlp::encode_uint(&mut f, &(*v as u64).to_be_bytes());
            }
            Arg::Bytes(b) => {
                rlp::encode_uint(&mut f, &ARG_BYTES.to_be_bytes());
                rlp::encode_bytes(&mut f, b);
            }
        }
        rlp::encode_list(&mut items, &f);
    }
    rlp::encode_list(out, &items);
}

/// The encoding of `args` ([`encode_args_into`]).
pub fn encode_args(args: &[Arg]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_args_into(&mut out, args);
    out
}

/// Decodes an argument list (canonical RLP only, nothing after it).
pub fn decode_args(bytes: &[u8]) -> Result<Vec<Arg>, String> {
    let item = rlp::one(bytes).map_err(|e| format!("arguments: {e}"))?;
    decode_args_item(item)
}

/// Decodes an argument list that is an item of a larger encoding.
pub fn decode_args_item(item: Item<'_>) -> Result<Vec<Arg>, String> {
    let list = rlp::items(item).map_err(|e| format!("arguments: {e}"))?;
    list.into_iter()
        .enumerate()
        .map(|(i, a)| {
            let what = |e: &dyn std::fmt::Display| format!("argument {i}: {e}");
            let fields = rlp::items(a).map_err(|e| what(&e))?;
            let [tag, value] = fields[..] else {
                return Err(what(&"not a [tag, value] pair"));
            };
            let uint = |item, max| {
                rlp::uint(item, max)
                    .map(|b| b.iter().fold(0u64, |n, b| (n << 8) | u64::from(*b)))
                    .map_err(|e| what(&e))
            };
            match uint(tag, 8)? {
                ARG_I32 => Ok(Arg::I32(uint(value, 4)? as u32 as i32)),
                ARG_I64 => Ok(Arg::I64(uint(value, 8)? as i64)),
                ARG_BYTES if !value.list => Ok(Arg::Bytes(value.payload.to_vec())),
                ARG_BYTES => Err(what(&"a list, not bytes")),
                other => Err(what(&format_args!("unknown tag {other}"))),
            }
        })
        .collect()
}

/// The bytes of byte arguments in `args`.
pub(crate) fn arg_bytes(args: &[Arg]) -> u64 {
    args.iter()
        .map(|a| match a {
            Arg::Bytes(b) => b.len() as u64,
            _ => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use quickcheck::{Arbitrary, Gen, QuickCheck};

    use super::*;

    /// Pinned: `[i32 -5, i64 -1, bytes "hi"]`.
    #[test]
    fn args_vector() {
        let args = [Arg::I32(-5), Arg::I64(-1), Arg::Bytes(b"hi".to_vec())];
        let bytes = encode_args(&args);
        assert_eq!(
            hex::encode(&bytes),
            "d7c68084fffffffbca0188ffffffffffffffffc402826869"
        );
        assert_eq!(decode_args(&bytes).unwrap(), args);
        assert_eq!(decode_args(&[0xc0]).unwrap(), vec![]);
    }

    #[test]
    fn refuses_what_is_not_an_argument_list() {
        for bad in [
            &b""[..],
            &[0x80],                                  // bytes, not a list
            &[0xc2, 0xc1, 0x80],                      // a pair of one
            &[0xc3, 0xc2, 0x03, 0x80],                // tag 3
            &[0xc4, 0xc3, 0x02, 0xc1, 0x80],          // bytes as a list
            &[0xc0, 0x00],                            // trailing bytes
            &[0xc7, 0xc6, 0x80, 0x85, 1, 2, 3, 4, 5], // an i32 of 5 bytes
        ] {
            assert!(decode_args(bad).is_err(), "{bad:?}");
        }
    }

    #[derive(Clone, Debug)]
    struct Args(Vec<Arg>);

    impl Arbitrary for Args {
        fn arbitrary(g: &mut Gen) -> Self {
            let n = usize::arbitrary(g) % 6;
            Args(
                (0..n)
                    .map(|_| match u8::arbitrary(g) % 3 {
                        0 => Arg::I32(i32::arbitrary(g)),
                        1 => Arg::I64(i64::arbitrary(g)),
                        _ => Arg::Bytes(Vec::<u8>::arbitrary(g)),
                    })
                    .collect(),
            )
        }
    }

    /// Round trip, and arbitrary bytes decode only when canonical.
    #[test]
    fn one_encoding_per_argument_list() {
        fn prop(args: Args, noise: Vec<u8>) -> bool {
            let bytes = encode_args(&args.0);
            if decode_args(&bytes).as_ref() != Ok(&args.0) {
                return false;
            }
            match decode_args(&noise) {
                Ok(a) => encode_args(&a) == noise,
                Err(_) => true,
            }
        }
        QuickCheck::new()
            .tests(2_000)
            .quickcheck(prop as fn(Args, Vec<u8>) -> bool);
    }
}
