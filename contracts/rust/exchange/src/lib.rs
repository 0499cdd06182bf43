//! An exchange that sells a map token (the map-token example) for value at
//! a fixed price, calling the token to move tokens it holds. Variable 0 is
//! the token's address, 1 the price per token, 2 the tokens sold (u64s,
//! little-endian). A sale emits an event with topics "svm.exchange.Bought"
//! and the buyer (left-padded to 32 bytes), the amount as data, kept 1,000
//! blocks. The Rust twin of examples/contracts/exchange.wat: same layout,
//! exports, results and events.
#![no_std]

use svm_sdk::{Address, Amount, Args, caller, emit, export, storage, transfer, value};

#[storage]
struct Exchange {
    token: Address,
    price: u64,
    sold: u64,
}

/// The constructor: the token sold and its price.
#[export]
fn init(token: Address, price: u64) {
    Exchange::token().set(&token);
    Exchange::price().set(&price);
}

/// Checks the value sent is `amount` × price.
fn expect_payment(amount: u64) {
    let price = Exchange::price().get();
    let cost = amount.checked_mul(price).expect("amount × price overflows");
    if value().to_u128() != Some(u128::from(cost)) {
        panic!("the value sent is not amount × price");
    }
}

/// Calls the token's `transfer(buyer, amount)` with all the gas it may
/// have; the token's status on failure.
fn send_tokens(buyer: &Address, amount: u64) -> Result<(), u32> {
    let args = Args::new().bytes(buyer).i64(amount as i64);
    svm_sdk::call(
        &Exchange::token().get(),
        "transfer",
        &args,
        &Amount::ZERO,
        i64::MAX as u64,
    )
    .map(|_| ())
    .map_err(|f| f.0)
}

fn record_sale(buyer: &Address, amount: u64) {
    Exchange::sold().update(|s| s.wrapping_add(amount));
    let mut name = [0u8; 32];
    name[..19].copy_from_slice(b"svm.exchange.Bought");
    let mut who = [0u8; 32];
    who[12..].copy_from_slice(buyer);
    emit(&[name, who], &amount.to_le_bytes(), 1000);
}

/// Buys `amount` tokens for exactly amount × price of value; fails with the
/// token if it refuses.
#[export]
fn buy(amount: u64) {
    expect_payment(amount);
    let buyer = caller();
    if send_tokens(&buyer, amount).is_err() {
        panic!("the token refused the transfer");
    }
    record_sale(&buyer, amount);
}

/// As `buy`, but when the token refuses, the value goes back and the
/// token's failure code is returned (0 for a sale).
#[export]
fn try_buy(amount: u64) -> u32 {
    expect_payment(amount);
    let buyer = caller();
    match send_tokens(&buyer, amount) {
        Ok(()) => {
            record_sale(&buyer, amount);
            0
        }
        Err(status) => {
            if transfer(&buyer, &value()).is_err() {
                panic!("the value could not go back");
            }
            status
        }
    }
}

/// Tokens sold so far.
#[export]
fn sold() -> u64 {
    Exchange::sold().get()
}
