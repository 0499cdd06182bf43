//! The call's registers (16 × 32-bit, 16 × 64-bit, 8 × 160-bit, 4 × 256-bit,
//! 4 × 512-bit; zeroed at every call, never persisted), addressed by width
//! and index. A width or index outside the file traps.

use crate::sys;

/// A register: its width in bits (32, 64, 160, 256 or 512) and index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Register {
    /// Width in bits.
    pub bits: u32,
    /// Index among the registers of that width.
    pub index: u32,
}

impl Register {
    /// Register `index` of width `bits`.
    pub const fn new(bits: u32, index: u32) -> Register {
        Register { bits, index }
    }

    fn bytes(&self) -> usize {
        match self.bits {
            32 | 64 | 160 | 256 | 512 => self.bits as usize / 8,
            _ => crate::abort("a register is 32, 64, 160, 256 or 512 bits wide"),
        }
    }

    /// Loads the register from `bytes` (exactly its width).
    pub fn load(&self, bytes: &[u8]) {
        if bytes.len() != self.bytes() {
            crate::abort("a register loads exactly its width");
        }
        // SAFETY: bytes has the register's width.
        unsafe { sys::reg_from_mem(self.bits, self.index, bytes.as_ptr()) }
    }

    /// Stores the register into `out` (exactly its width).
    pub fn store(&self, out: &mut [u8]) {
        if out.len() != self.bytes() {
            crate::abort("a register stores exactly its width");
        }
        // SAFETY: out has the register's width.
        unsafe { sys::reg_to_mem(self.bits, self.index, out.as_mut_ptr()) }
    }

    /// Loads the register from storage variable `var` (of exactly its
    /// width).
    pub fn load_variable(&self, var: u32) {
        // SAFETY: a vmcall of plain integers.
        unsafe { sys::reg_from_storage(self.bits, self.index, var) }
    }

    /// Writes the register to storage variable `var` (of exactly its width).
    pub fn store_variable(&self, var: u32) {
        // SAFETY: a vmcall of plain integers.
        unsafe { sys::reg_to_storage(self.bits, self.index, var) }
    }

    /// Copies register `src` (of the same width) into this one.
    pub fn copy_from(&self, src: Register) {
        if src.bits != self.bits {
            crate::abort("registers copy only between equal widths");
        }
        // SAFETY: a vmcall of plain integers.
        unsafe { sys::reg_copy(self.bits, self.index, src.index) }
    }
}

/// The length of storage variable `var` in bytes.
pub fn variable_len(var: u32) -> u32 {
    // SAFETY: a vmcall of plain integers.
    unsafe { sys::storage_len(var) }
}
