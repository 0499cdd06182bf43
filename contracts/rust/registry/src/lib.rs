//! A name registry on a sorted set: variable 0 holds the registered names
//! (at most 64 bytes, kept in byte order), variable 1 maps each name to its
//! owner's address. The Rust twin of examples/contracts/registry.wat: same
//! layout, exports and results.
#![no_std]

use svm_sdk::{Address, Map, SortedSet, Vec, caller, export, storage};

#[storage]
struct Registry {
    names: SortedSet<Vec<u8>>,
    owners: Map<Vec<u8>, Address>,
}

/// Registers `name` to the caller; fails if it is taken.
#[export]
fn register(name: Vec<u8>) {
    if !Registry::names().insert(&name) {
        panic!("the name is taken");
    }
    Registry::owners().set(&name, &caller());
}

/// Gives `name` up; only its owner may.
#[export]
fn release(name: Vec<u8>) {
    let owners = Registry::owners();
    let owner = owners.get(&name).expect("the name is free");
    if owner != caller() {
        panic!("only the owner releases a name");
    }
    Registry::names().remove(&name);
    owners.remove(&name);
}

/// The owner's address, or nothing for a free name.
#[export]
fn owner_of(name: Vec<u8>) -> Vec<u8> {
    Registry::owners()
        .get(&name)
        .map(|a| a.to_vec())
        .unwrap_or_default()
}

/// How many names are registered.
#[export]
fn count() -> u64 {
    Registry::names().len()
}

/// Up to `count` names (at most 1,000) from `from` on, in order, each as a
/// length byte and the name.
#[export]
fn names(from: Vec<u8>, count: i32) -> Vec<u8> {
    if !(0..=1000).contains(&count) || from.len() > 65 {
        panic!("at most 1,000 names from a bound of at most 65 bytes");
    }
    let set = Registry::names();
    let mut out = Vec::new();
    let mut bound = from;
    for _ in 0..count {
        let Some(name) = set.next(&bound) else { break };
        out.push(name.len() as u8);
        out.extend_from_slice(&name);
        // What follows this name: the name and a zero byte.
        bound = name;
        bound.push(0);
    }
    out
}

/// The last name in byte order, or nothing.
#[export]
fn last() -> Vec<u8> {
    Registry::names().last().unwrap_or_default()
}
