//! `#[storage]` on the host: the layout it emits, byte for byte, and the
//! accessors' types; `#[export]` compiles beside it (its WebAssembly entry
//! point exists only inside WebAssembly).

use svm_sdk::layout::Slot;
use svm_sdk::{Address, List, Map, Set, SortedSet, Var, Vec, export, storage};

#[storage]
struct Everything {
    /// A counter.
    count: u64,
    owner: Address,
    big: [u8; 300],
    flag: bool,
    lists: Map<Vec<u8>, List<u32>>,
    members: SortedSet<u64>,
    seen: Set<Address>,
    nested: List<Map<u16, Set<Vec<u8>>>>,
}

#[export]
fn double(x: u64, who: Address) -> u64 {
    let _ = who;
    x * 2
}

#[test]
fn the_layout_is_svms_encoding_of_the_fields() {
    assert_eq!(
        Everything::LAYOUT,
        [
            0x80, 0x20, // page size 4096
            8,    // variables
            8, 20, 0xac, 0x02, 1, // count, owner, big (300), flag
            0, 0x02, 0x01, 0x00, // map<bytes, list<bytes>>
            0, 0x04, // sorted set
            0, 0x03, // set
            0, 0x01, 0x02, 0x03, // list<map<set>>
        ]
    );
    assert_eq!(Everything::SLOTS[0], Slot::Fixed(8));
    let _: Var<u64> = Everything::count();
    let _: Var<[u8; 300]> = Everything::big();
    assert_eq!(Everything::count().index(), 0);
    assert_eq!(Everything::flag().index(), 3);
    assert_eq!(double(21, [0; 20]), 42);
}
