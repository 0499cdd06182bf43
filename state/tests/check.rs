//! `check` walks a committed state and finds missing and corrupt nodes, code
//! and pages; reads of corrupt data are errors, never panics or wrong values.

use std::path::Path;

use svm_state::check::{CheckError, Location};
use svm_state::code::{code_hash, module_declaring};
use svm_state::kv::{Column, KvStore, RocksKv, WriteBatch};
use svm_state::layout::Layout;
use svm_state::{Address, StateConfig, StateDb, StateError, WorldError, account_key};
use svm_trie::{ChildView, H256, NodeView, TrieError, decode_node};

fn contract(i: u64) -> Address {
    Address::from_low_u64_be(0xc000 + i)
}

fn code() -> Vec<u8> {
    module_declaring(&Layout::new(256, &[32; 40]).unwrap())
}

/// 20 contracts with a few variables written, over three commits; returns the head root.
fn build(path: &Path) -> H256 {
    let db = StateDb::open_rocks(path, &StateConfig::default()).unwrap();
    let mut s = db.begin().unwrap();
    for i in 0..20 {
        s.create_contract(&contract(i), &code(), 0u64.into())
            .unwrap();
    }
    s.create_account(&Address::repeat_byte(1), 5u64.into())
        .unwrap();
    s.commit().unwrap();
    for round in 1..=2u8 {
        let mut s = db.begin().unwrap();
        for i in 0..20 {
            for var in [0, 9, (i as u32 * 7) % 40] {
                s.write_variable(&contract(i), var, &[round; 32]).unwrap();
            }
        }
        s.commit().unwrap();
    }
    db.head().root
}

fn open(path: &Path) -> StateDb<RocksKv> {
    StateDb::open_rocks(path, &StateConfig::default()).unwrap()
}

fn put(db: &StateDb<RocksKv>, column: Column, key: &[u8], value: &[u8]) {
    let mut batch = WriteBatch::new();
    batch.put(column, key, value);
    db.kv().write(batch).unwrap();
}

fn flip_last_byte(db: &StateDb<RocksKv>, column: Column, key: &[u8]) {
    let mut bytes = db.kv().get(column, key).unwrap().unwrap();
    *bytes.last_mut().unwrap() ^= 1;
    put(db, column, key, &bytes);
}

#[test]
fn a_sound_state_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let root = build(dir.path());
    let report = open(dir.path()).check(root).unwrap();
    assert_eq!(report.accounts, 21);
    assert_eq!(report.contracts, 20);
    // 40 variables of 32 bytes in 256-byte pages: 5 pages, of which the
    // written variables touch pages 0, 1 and (i*7 % 40) / 8.
    let want: u64 = (0..20u64)
        .map(|i| {
            let mut pages = vec![0u64, 1, (i * 7 % 40) / 8];
            pages.sort();
            pages.dedup();
            pages.len() as u64
        })
        .sum();
    assert_eq!(report.pages, want);
    assert!(report.nodes > 20);
    let unknown = H256::repeat_byte(7);
    assert!(matches!(
        open(dir.path()).check(unknown),
        Err(CheckError::UnknownRoot(_))
    ));
}

#[test]
fn a_flipped_byte_in_a_storage_node_is_found_and_reads_fail() {
    let dir = tempfile::tempdir().unwrap();
    let root = build(dir.path());
    let db = open(dir.path());
    let victim = contract(3);
    let storage_root = db
        .at(root)
        .unwrap()
        .account(&victim)
        .unwrap()
        .unwrap()
        .storage_root;
    flip_last_byte(&db, Column::Nodes, storage_root.as_bytes());
    drop(db);
    let db = open(dir.path());
    match db.check(root) {
        Err(CheckError::Corrupt {
            location: Location::Storage { account, path },
            ..
        }) => {
            assert_eq!(account, account_key(&victim));
            assert_eq!(path, "");
        }
        other => panic!("check missed the corrupt node: {other:?}"),
    }
    let s = db.at(root).unwrap();
    assert!(matches!(
        s.variable(&victim, 0),
        Err(StateError::Trie(TrieError::HashMismatch(h))) if h == storage_root
    ));
    // Other contracts still read.
    assert_eq!(s.variable(&contract(4), 0).unwrap(), &[2; 32]);
}

#[test]
fn a_missing_world_node_is_found_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let root = build(dir.path());
    let db = open(dir.path());
    let root_node = db
        .kv()
        .get(Column::Nodes, root.as_bytes())
        .unwrap()
        .unwrap();
    let NodeView::Branch { children, .. } = decode_node(&root_node).unwrap() else {
        panic!("21 accounts make a branch at the root");
    };
    let (nibble, child) = children
        .iter()
        .enumerate()
        .find_map(|(i, c)| match c {
            ChildView::Hash(h) => Some((i, H256(*h))),
            _ => None,
        })
        .unwrap();
    let mut batch = WriteBatch::new();
    batch.delete(Column::Nodes, child.as_bytes());
    db.kv().write(batch).unwrap();
    drop(db);
    let db = open(dir.path());
    match db.check(root) {
        Err(CheckError::Missing {
            hash,
            location: Location::World { path },
        }) => {
            assert_eq!(hash, child);
            assert_eq!(path, format!("{nibble:x}"));
        }
        other => panic!("check missed the missing node: {other:?}"),
    }
    // Reading an account under that child fails with the missing node.
    let s = db.at(root).unwrap();
    let under = (0..20)
        .map(contract)
        .chain([Address::repeat_byte(1)])
        .find(|a| (account_key(a)[0] >> 4) as usize == nibble)
        .expect("a non-empty child holds an account");
    assert!(matches!(
        s.account(&under),
        Err(StateError::World(WorldError::Trie(TrieError::MissingNode(h)))) if h == child
    ));
}

#[test]
fn corrupt_root_node_and_code_are_found() {
    let dir = tempfile::tempdir().unwrap();
    let root = build(dir.path());
    let db = open(dir.path());
    flip_last_byte(&db, Column::Code, code_hash(&code()).as_bytes());
    match db.check(root) {
        Err(CheckError::Corrupt {
            location: Location::Code { .. },
            ..
        }) => {}
        other => panic!("check missed the corrupt code: {other:?}"),
    }
    flip_last_byte(&db, Column::Nodes, root.as_bytes());
    drop(db);
    let db = open(dir.path());
    match db.check(root) {
        Err(CheckError::Corrupt {
            location: Location::World { path },
            ..
        }) => {
            assert_eq!(path, "")
        }
        other => panic!("check missed the corrupt root: {other:?}"),
    }
    assert!(matches!(
        db.at(root),
        Err(StateError::World(WorldError::Trie(
            TrieError::HashMismatch(_)
        )))
    ));
}
