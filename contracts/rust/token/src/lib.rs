//! A token with 16 holders numbered 0–15: the supply is variable 0 (a u64),
//! the balances u64s packed four to a 32-byte variable (holder h's at byte
//! 8 × (h % 4) of variable 1 + h / 4), all little-endian. The Rust twin of
//! examples/contracts/token.wat: same layout, exports and results.
#![no_std]

use svm_sdk::{Var, export, log, storage};

#[storage]
struct Token {
    supply: u64,
    balances0: [u8; 32],
    balances1: [u8; 32],
    balances2: [u8; 32],
    balances3: [u8; 32],
}

/// Holder `h`'s variable (a holder past the layout traps when it is read)
/// and the byte its balance starts at.
fn slot(h: i32) -> (Var<[u8; 32]>, usize) {
    if h < 0 {
        panic!("a holder is numbered from 0");
    }
    (Var::new(1 + (h as u32) / 4), 8 * (h as usize % 4))
}

fn get(h: i32) -> u64 {
    let (var, at) = slot(h);
    let b = var.get();
    u64::from_le_bytes([
        b[at],
        b[at + 1],
        b[at + 2],
        b[at + 3],
        b[at + 4],
        b[at + 5],
        b[at + 6],
        b[at + 7],
    ])
}

fn set(h: i32, v: u64) {
    let (var, at) = slot(h);
    let mut b = var.get();
    b[at..at + 8].copy_from_slice(&v.to_le_bytes());
    var.set(&b);
}

/// Mints `amount` to holder `to` (wrapping, as the original).
#[export]
fn mint(to: i32, amount: i64) {
    set(to, get(to).wrapping_add(amount as u64));
    Token::supply().update(|s| s.wrapping_add(amount as u64));
}

/// Moves `amount` from holder `from` to holder `to`; logs the amount.
#[export]
fn transfer(from: i32, to: i32, amount: i64) {
    let balance = get(from);
    if balance < amount as u64 {
        panic!("insufficient balance");
    }
    set(from, balance - amount as u64);
    set(to, get(to).wrapping_add(amount as u64));
    log(&amount.to_le_bytes());
}

/// Holder `h`'s balance.
#[export]
fn balance_of(h: i32) -> u64 {
    get(h)
}

/// The supply.
#[export]
fn total_supply() -> u64 {
    Token::supply().get()
}
