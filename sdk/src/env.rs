//! What a call knows about its context, and value: addresses, amounts,
//! the block, balances and transfers.

use crate::sys;

/// A 20-byte account or contract address.
pub type Address = [u8; 20];

/// An amount of the chain's value: 32 bytes, big-endian (as the vmcalls
/// take them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(pub [u8; 32]);

impl Amount {
    /// Zero.
    pub const ZERO: Amount = Amount([0; 32]);

    /// `n` as an amount.
    pub const fn from_u128(n: u128) -> Amount {
        let mut b = [0u8; 32];
        let be = n.to_be_bytes();
        let mut i = 0;
        while i < 16 {
            b[16 + i] = be[i];
            i += 1;
        }
        Amount(b)
    }

    /// The amount as a `u128`, if it fits.
    pub fn to_u128(&self) -> Option<u128> {
        if self.0[..16].iter().any(|b| *b != 0) {
            return None;
        }
        let mut be = [0u8; 16];
        be.copy_from_slice(&self.0[16..]);
        Some(u128::from_be_bytes(be))
    }
}

/// The contract's own address.
pub fn address() -> Address {
    let mut a = [0u8; 20];
    // SAFETY: 20 writable bytes.
    unsafe { sys::address(a.as_mut_ptr()) };
    a
}

/// The caller's address (the transaction's sender, or the calling
/// contract).
pub fn caller() -> Address {
    let mut a = [0u8; 20];
    // SAFETY: 20 writable bytes.
    unsafe { sys::caller(a.as_mut_ptr()) };
    a
}

/// The value sent with this call.
pub fn value() -> Amount {
    let mut v = Amount::ZERO;
    // SAFETY: 32 writable bytes.
    unsafe { sys::value(v.0.as_mut_ptr()) };
    v
}

/// The balance of `account`.
pub fn balance(account: &Address) -> Amount {
    let mut v = Amount::ZERO;
    // SAFETY: 20 readable and 32 writable bytes.
    unsafe { sys::balance(account.as_ptr(), v.0.as_mut_ptr()) };
    v
}

/// Moving value failed: the contract's balance is below the amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InsufficientBalance;

/// Moves `amount` of the contract's balance to `to`.
pub fn transfer(to: &Address, amount: &Amount) -> Result<(), InsufficientBalance> {
    // SAFETY: 20 and 32 readable bytes.
    match unsafe { sys::transfer(to.as_ptr(), amount.0.as_ptr()) } {
        0 => Ok(()),
        _ => Err(InsufficientBalance),
    }
}

/// The height of the block being executed.
pub fn block_height() -> u64 {
    // SAFETY: no arguments.
    unsafe { sys::block_height() }
}

/// The block's time, seconds since the Unix epoch.
pub fn block_time() -> u64 {
    // SAFETY: no arguments.
    unsafe { sys::block_time() }
}
