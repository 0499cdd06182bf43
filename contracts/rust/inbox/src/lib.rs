//! Mailboxes, a nested structure: variable 0 is a map from addresses to
//! lists of messages, each list in the order they came. Emptying a mailbox
//! removes it in O(1), however many messages it held. The Rust twin of
//! examples/contracts/inbox.wat: same layout, exports and results.
#![no_std]

use svm_sdk::{Address, List, Map, Vec, caller, export, storage};

#[storage]
struct Inbox {
    boxes: Map<Address, List<Vec<u8>>>,
}

/// Appends `msg` to `to`'s mailbox; returns its index.
#[export]
fn post(to: Address, msg: Vec<u8>) -> u64 {
    Inbox::boxes().at(&to).push(&msg)
}

/// How many messages `who` has.
#[export]
fn count(who: Address) -> u64 {
    Inbox::boxes().at(&who).len()
}

/// Message `i` of `who`'s mailbox, or nothing.
#[export]
fn read(who: Address, i: u64) -> Vec<u8> {
    Inbox::boxes().at(&who).get(i).unwrap_or_default()
}

/// Drops the caller's last message.
#[export]
fn pop() {
    Inbox::boxes().at(&caller()).pop();
}

/// Empties the caller's mailbox.
#[export]
fn clear() {
    Inbox::boxes().remove(&caller());
}

/// How many mailboxes hold messages.
#[export]
fn mailboxes() -> u64 {
    Inbox::boxes().len()
}

/// Every non-empty mailbox (at most 200), in the map's order: its address
/// and its message count (8 bytes, little-endian).
#[export]
fn list() -> Vec<u8> {
    let boxes = Inbox::boxes();
    let mut out = Vec::new();
    for who in boxes.keys().take(200) {
        out.extend_from_slice(&who);
        out.extend_from_slice(&boxes.at(&who).len().to_le_bytes());
    }
    out
}
