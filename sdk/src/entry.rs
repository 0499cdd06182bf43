//! What `#[svm_sdk::export]` functions take and give: scalar parameters
//! arrive as WebAssembly integers, everything else as bytes the VM copied
//! in through `svm_alloc`; results become the call's return data.

use alloc::vec::Vec;

use crate::codec::Value;

/// A parameter passed as one WebAssembly integer (`i32:N` / `i64:N`
/// arguments): `i32`, `u32`, `i16`, `u16`, `i8`, `u8` and `bool` take an
/// i32, `i64` and `u64` an i64.
pub trait Scalar: Sized {
    /// The WebAssembly type it arrives as.
    type Wasm;
    /// The value, if the integer is one (`bool`: 0 or 1; narrow integers:
    /// in range).
    fn from_wasm(v: Self::Wasm) -> Option<Self>;
}

macro_rules! scalars {
    ($($t:ty => $w:ty),*) => {$(
        impl Scalar for $t {
            type Wasm = $w;
            fn from_wasm(v: $w) -> Option<Self> {
                <$t>::try_from(v).ok()
            }
        }
    )*};
}

scalars!(i32 => i32, i16 => i32, i8 => i32, i64 => i64);

impl Scalar for u32 {
    type Wasm = i32;
    fn from_wasm(v: i32) -> Option<Self> {
        Some(v as u32)
    }
}

impl Scalar for u16 {
    type Wasm = i32;
    fn from_wasm(v: i32) -> Option<Self> {
        u16::try_from(v as u32).ok()
    }
}

impl Scalar for u8 {
    type Wasm = i32;
    fn from_wasm(v: i32) -> Option<Self> {
        u8::try_from(v as u32).ok()
    }
}

impl Scalar for u64 {
    type Wasm = i64;
    fn from_wasm(v: i64) -> Option<Self> {
        Some(v as u64)
    }
}

impl Scalar for bool {
    type Wasm = i32;
    fn from_wasm(v: i32) -> Option<Self> {
        match v {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }
}

/// Decodes scalar argument `i`, or stops the call saying which argument
/// was wrong.
#[doc(hidden)]
pub fn scalar<T: Scalar>(v: T::Wasm, name: &str) -> T {
    T::from_wasm(v).unwrap_or_else(|| bad_argument(name))
}

/// Decodes a bytes argument, or stops the call saying which argument was
/// wrong.
#[doc(hidden)]
pub fn bytes<T: Value>(ptr: u32, len: u32, name: &str) -> T {
    let data: &[u8] = if len == 0 {
        &[]
    } else {
        // SAFETY: the VM copied `len` bytes to `ptr` (memory it obtained from
        // this module's `svm_alloc`) before the call, and nothing else
        // holds them.
        unsafe { core::slice::from_raw_parts(ptr as usize as *const u8, len as usize) }
    };
    T::decode(data).unwrap_or_else(|| bad_argument(name))
}

fn bad_argument(name: &str) -> ! {
    let mut m = Vec::with_capacity(40 + name.len());
    m.extend_from_slice(b"argument `");
    m.extend_from_slice(name.as_bytes());
    m.extend_from_slice(b"` does not decode as its type");
    // SAFETY of the conversion: ASCII and a Rust identifier.
    crate::abort(core::str::from_utf8(&m).unwrap_or("an argument does not decode"))
}

/// A result an exported function returns: it becomes the call's return
/// data (nothing for `()`); an `Err` stops the call with its message.
pub trait Return {
    /// Hands the result to the VM.
    fn give(self);
}

impl Return for () {
    fn give(self) {}
}

impl<T: Value> Return for T {
    fn give(self) {
        crate::set_return(&self.to_bytes())
    }
}

impl<T: Return> Return for Result<T, &'static str> {
    fn give(self) {
        match self {
            Ok(v) => v.give(),
            Err(message) => crate::abort(message),
        }
    }
}
