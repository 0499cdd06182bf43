//! The world trie: accounts persist, and the root and account proofs are
//! Ethereum's (checked with alloy-trie, an independent implementation).

use alloy_primitives::{B256, Bytes};
use alloy_trie::{HashBuilder, Nibbles, proof::verify_proof};
use primitive_types::U256;
use svm_state::kv::{RocksConfig, RocksKv, WriteBatch};
use svm_state::{Account, Address, Store, World, account_key};
use svm_trie::proof;

fn accounts(n: u64) -> Vec<(Address, Account)> {
    (1..=n)
        .map(|i| {
            let address = Address::from_low_u64_be(i * 7919);
            let account = Account {
                nonce: i,
                balance: U256::from(i) * U256::from(10u64).pow(U256::from(18u64)),
                ..Account::default()
            };
            (address, account)
        })
        .collect()
}

#[test]
fn accounts_persist_and_prove_like_ethereum() {
    let dir = tempfile::tempdir().unwrap();
    let all = accounts(300);
    let root = {
        let db = Store::new(
            RocksKv::open(dir.path(), &RocksConfig::default()).unwrap(),
            1 << 20,
        );
        let mut world = World::new(&db);
        for (a, acc) in &all {
            world.set_account(a, acc).unwrap();
        }
        world.remove_account(&all[0].0).unwrap();
        let commit = world.commit().unwrap();
        db.write(WriteBatch::new(), &commit.nodes).unwrap();
        commit.root
    };
    // Ethereum's state root of the same accounts.
    let mut leaves: Vec<(B256, Vec<u8>)> = all[1..]
        .iter()
        .map(|(a, acc)| (B256::from(account_key(a).0), acc.encode()))
        .collect();
    leaves.sort();
    let mut hb = HashBuilder::default();
    for (k, v) in &leaves {
        hb.add_leaf(Nibbles::unpack(k), v);
    }
    assert_eq!(hb.root().0, root.0);

    // Reopened from disk: accounts read back, and account proofs verify with
    // alloy-trie's EIP-1186 verifier, absent accounts included.
    let db = Store::new(
        RocksKv::open(dir.path(), &RocksConfig::default()).unwrap(),
        1 << 20,
    );
    let mut world = World::open(&db, root).unwrap();
    assert_eq!(world.account(&all[0].0).unwrap(), None);
    for (a, acc) in &all[1..] {
        assert_eq!(world.account(a).unwrap().as_ref(), Some(acc));
    }
    for (a, _) in &all[..20] {
        let key = account_key(a);
        let p = proof::prove(&db, root, key.as_bytes()).unwrap();
        let nodes: Vec<Bytes> = p.nodes.iter().map(|n| Bytes::from(n.clone())).collect();
        verify_proof(
            B256::from(root.0),
            Nibbles::unpack(key.0),
            p.value.clone(),
            &nodes,
        )
        .unwrap();
    }
}

#[test]
fn a_corrupt_account_is_a_typed_error() {
    let mut world = World::new(svm_trie::MemoryStore::new());
    let a = Address::from_low_u64_be(1);
    let mut trie = svm_trie::TrieMut::new(svm_trie::MemoryStore::new());
    trie.insert(account_key(&a).as_bytes(), b"not an account")
        .unwrap();
    let c = trie.commit().unwrap();
    let mut store = svm_trie::MemoryStore::new();
    store.insert_all(&c.nodes);
    let mut corrupt = World::open(&store, c.root).unwrap();
    let err = corrupt.account(&a).unwrap_err();
    assert!(err.to_string().contains("is corrupt"), "{err}");
    assert_eq!(world.account(&a).unwrap(), None);
    assert!(World::open(&store, svm_trie::H256::repeat_byte(3)).is_err());
}
