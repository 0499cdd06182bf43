//! A token whose balances are a map from 20-byte addresses to u64s
//! (little-endian): any number of holders. Variable 0 is the supply, 1 the
//! owner (who may mint; set by `init`), 2 the balances; a zero balance has
//! no entry, so the map's length is the number of holders. The Rust twin of
//! examples/contracts/map_token.wat: same layout, exports and results.
#![no_std]

use svm_sdk::{Address, Map, Vec, caller, export, log, storage};

#[storage]
struct MapToken {
    supply: u64,
    owner: Address,
    balances: Map<Address, u64>,
}

fn balance(b: &Map<Address, u64>, who: &Address) -> u64 {
    b.get(who).unwrap_or(0)
}

fn set_balance(b: &Map<Address, u64>, who: &Address, v: u64) {
    if v == 0 {
        b.remove(who);
    } else {
        b.set(who, &v);
    }
}

fn credit(b: &Map<Address, u64>, who: &Address, amount: u64) {
    let new = balance(b, who)
        .checked_add(amount)
        .expect("a balance overflows");
    set_balance(b, who, new);
}

fn add_supply(amount: u64) {
    let s = MapToken::supply();
    s.set(&s.get().checked_add(amount).expect("the supply overflows"));
}

fn only_owner() {
    if caller() != MapToken::owner().get() {
        panic!("only the owner mints");
    }
}

/// The constructor: the deployer owns the token.
#[export]
fn init() {
    MapToken::owner().set(&caller());
}

/// Mints `amount` to `to` (the owner only).
#[export]
fn mint(to: Address, amount: u64) {
    only_owner();
    credit(&MapToken::balances(), &to, amount);
    add_supply(amount);
}

/// Mints `amount` to each of the addresses packed (20 bytes each) in `to`.
#[export]
fn airdrop(to: Vec<u8>, amount: u64) {
    only_owner();
    if !to.len().is_multiple_of(20) {
        panic!("addresses are 20 bytes each");
    }
    let b = MapToken::balances();
    let mut n = 0u64;
    for a in to.chunks_exact(20) {
        let mut who = [0u8; 20];
        who.copy_from_slice(a);
        credit(&b, &who, amount);
        n += 1;
    }
    if n != 0 {
        add_supply(amount.checked_mul(n).expect("the airdrop overflows"));
    }
}

/// Moves `amount` from the caller to `to`; logs the amount.
#[export]
fn transfer(to: Address, amount: u64) {
    let me = caller();
    let b = MapToken::balances();
    let have = balance(&b, &me);
    if have < amount {
        panic!("insufficient balance");
    }
    set_balance(&b, &me, have - amount);
    credit(&b, &to, amount);
    log(&amount.to_le_bytes());
}

/// `who`'s balance.
#[export]
fn balance_of(who: Address) -> u64 {
    balance(&MapToken::balances(), &who)
}

/// How many addresses hold tokens.
#[export]
fn holders() -> u64 {
    MapToken::balances().len()
}

/// The supply.
#[export]
fn total_supply() -> u64 {
    MapToken::supply().get()
}
