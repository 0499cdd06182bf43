//! Calling other contracts and templates (docs/FORMATS.md "Contract
//! calls"): arguments are encoded as svm encodes them, the callee's return
//! data comes back, a failure is its receipt status code.

use alloc::vec::Vec;

use crate::env::{Address, Amount};
use crate::sys;

/// The arguments of a contract call, in order: each an i32, an i64 or bytes
/// (which the callee receives as a pointer and a length).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Args {
    items: Vec<u8>,
}

fn rlp_header(out: &mut Vec<u8>, len: usize, short: u8) {
    if len < 56 {
        out.push(short + len as u8);
    } else {
        let be = (len as u64).to_be_bytes();
        let skip = be.iter().take_while(|b| **b == 0).count();
        out.push(short + 55 + (8 - skip) as u8);
        out.extend_from_slice(&be[skip..]);
    }
}

fn rlp_bytes(out: &mut Vec<u8>, b: &[u8]) {
    if let [one] = b
        && *one < 0x80
    {
        out.push(*one);
        return;
    }
    rlp_header(out, b.len(), 0x80);
    out.extend_from_slice(b);
}

fn rlp_uint(out: &mut Vec<u8>, n: u64) {
    let be = n.to_be_bytes();
    let skip = be.iter().take_while(|b| **b == 0).count();
    rlp_bytes(out, &be[skip..]);
}

impl Args {
    /// No arguments.
    pub fn new() -> Args {
        Args::default()
    }

    fn pair(mut self, tag: u64, value: impl FnOnce(&mut Vec<u8>)) -> Args {
        let mut f = Vec::new();
        rlp_uint(&mut f, tag);
        value(&mut f);
        rlp_header(&mut self.items, f.len(), 0xc0);
        self.items.extend_from_slice(&f);
        self
    }

    /// Appends an i32 argument.
    pub fn i32(self, v: i32) -> Args {
        self.pair(0, |f| rlp_uint(f, u64::from(v as u32)))
    }

    /// Appends an i64 argument.
    pub fn i64(self, v: i64) -> Args {
        self.pair(1, |f| rlp_uint(f, v as u64))
    }

    /// Appends a bytes argument.
    pub fn bytes(self, b: &[u8]) -> Args {
        self.pair(2, |f| rlp_bytes(f, b))
    }

    /// The encoding svm's `call` takes: the RLP list of `[tag, value]`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.items.len() + 9);
        rlp_header(&mut out, self.items.len(), 0xc0);
        out.extend_from_slice(&self.items);
        out
    }
}

/// A call that failed: the callee's receipt status code (`OutOfGas` 1,
/// `Trap` 2, `FunctionNotFound` 3, … `CallDepth` 11, `Reentrancy` 12,
/// `IncompatibleLayout` 13, `TemplateNotFound` 14; docs/FORMATS.md
/// "Receipts"). Its changes and events are gone; the caller goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallFailed(pub u32);

fn returned() -> Vec<u8> {
    // SAFETY: a zero-capacity ask writes nothing.
    let n = unsafe { sys::returned(core::ptr::null_mut(), 0) } as usize;
    let mut out: Vec<u8> = Vec::with_capacity(n);
    // SAFETY: out has n writable bytes; the vmcall writes exactly n.
    unsafe {
        sys::returned(out.as_mut_ptr(), n as u32);
        out.set_len(n);
    }
    out
}

/// Calls `function` of the contract at `to` with `args`, sending `value`,
/// with at most `gas` (never more than all but 1/64 of what is left);
/// returns its return data.
pub fn call(
    to: &Address,
    function: &str,
    args: &Args,
    value: &Amount,
    gas: u64,
) -> Result<Vec<u8>, CallFailed> {
    let a = args.encode();
    // SAFETY: every pointer is to readable bytes of the given length.
    let status = unsafe {
        sys::call(
            to.as_ptr(),
            function.as_ptr(),
            function.len() as u32,
            a.as_ptr(),
            a.len() as u32,
            value.0.as_ptr(),
            gas,
        )
    };
    match status {
        0 => Ok(returned()),
        code => Err(CallFailed(code)),
    }
}

/// Runs `function` of the template with code hash `template` against this
/// contract's own storage and balance (a library call); returns its return
/// data.
pub fn delegate_call(
    template: &[u8; 32],
    function: &str,
    args: &Args,
    gas: u64,
) -> Result<Vec<u8>, CallFailed> {
    let a = args.encode();
    // SAFETY: every pointer is to readable bytes of the given length.
    let status = unsafe {
        sys::delegate_call(
            template.as_ptr(),
            function.as_ptr(),
            function.len() as u32,
            a.as_ptr(),
            a.len() as u32,
            gas,
        )
    };
    match status {
        0 => Ok(returned()),
        code => Err(CallFailed(code)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn arguments_encode_as_svm_decodes_them() {
        // [[0, 7], [1, 0x0100], [2, "ab"]] (vm/src/args.rs)
        let a = Args::new().i32(7).i64(256).bytes(b"ab");
        assert_eq!(
            a.encode(),
            vec![
                0xcd, 0xc2, 0x80, 0x07, 0xc4, 0x01, 0x82, 0x01, 0x00, 0xc4, 0x02, 0x82, b'a', b'b'
            ]
        );
        // -1 as an i32 is its two's-complement bits.
        assert_eq!(
            Args::new().i32(-1).encode(),
            vec![0xc7, 0xc6, 0x80, 0x84, 0xff, 0xff, 0xff, 0xff]
        );
        assert_eq!(Args::new().encode(), vec![0xc0]);
        // A long byte string takes a long header.
        let long = Args::new().bytes(&[9; 60]).encode();
        assert_eq!(&long[..5], &[0xf8, 0x41, 0xf8, 0x3f, 0x02]);
        assert_eq!(&long[5..7], &[0xb8, 60]);
    }
}
