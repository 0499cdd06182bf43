//! Element proofs over random states built straight from the formats (a
//! `map<bytes, list<bytes>>`, a sorted set and a set in one contract): every
//! element, present or absent, at every depth, verifies to the model's
//! answer; spoiled, dropped and extra levels and wrong questions fail.

use std::collections::{BTreeMap, BTreeSet};

use quickcheck::{Arbitrary, Gen, QuickCheck};
use svm_trie::{H256, MemoryStore, TrieMut, proof};
use svm_verify::layout::{Kind, Layout};
use svm_verify::structure::{
    Element, Handle, MEMBER_MARK, Structure, Value, decode_list_leaf, decode_map_leaf,
    encode_list_leaf, encode_map_leaf, encode_set_leaf, handle_key, hashed_key, list_key,
    member_key,
};
use svm_verify::{
    Account, Address, ElementProof, ElementValue, Hash, PathKey, VerifyError, binary, keccak256,
    wasm, world_key,
};

const CONTRACT: Address = [0xc0; 20];
const MAP: u32 = 1;
const SORTED: u32 = 2;
const SET: u32 = 3;

fn layout() -> Layout {
    let list = Element::Structure(Box::new(Structure::List(Element::Bytes)));
    Layout::with_kinds(
        4096,
        &[
            Kind::Bytes(8),
            Kind::Structure(Structure::Map(list)),
            Kind::Structure(Structure::SortedSet),
            Kind::Structure(Structure::Set),
        ],
    )
    .unwrap()
}

/// The contract's structures.
#[derive(Clone, Debug)]
struct Model {
    map: BTreeMap<Vec<u8>, Vec<Vec<u8>>>,
    sorted: BTreeSet<Vec<u8>>,
    set: BTreeSet<Vec<u8>>,
}

fn small_key(g: &mut Gen) -> Vec<u8> {
    let len = usize::arbitrary(g) % 4;
    (0..len)
        .map(|_| *g.choose(&[0u8, 1, 0xff]).unwrap())
        .collect()
}

impl Arbitrary for Model {
    fn arbitrary(g: &mut Gen) -> Self {
        let n = usize::arbitrary(g) % 12;
        let map = (0..n)
            .map(|_| {
                let len = 1 + usize::arbitrary(g) % 5;
                let list = (0..len)
                    .map(|_| {
                        (0..usize::arbitrary(g) % 40)
                            .map(|_| u8::arbitrary(g))
                            .collect()
                    })
                    .collect();
                (small_key(g), list)
            })
            .collect();
        let sorted = (0..usize::arbitrary(g) % 10)
            .map(|_| small_key(g))
            .collect();
        let set = (0..usize::arbitrary(g) % 10)
            .map(|_| small_key(g))
            .collect();
        Model { map, sorted, set }
    }
}

/// Builds a trie of `entries` in `store`; returns its handle.
fn trie(store: &mut MemoryStore, entries: Vec<(Vec<u8>, Vec<u8>)>) -> Handle {
    if entries.is_empty() {
        return Handle::EMPTY;
    }
    let len = entries.len() as u64;
    let commit = {
        let mut t = TrieMut::new(&*store);
        t.apply(entries).unwrap();
        t.commit().unwrap()
    };
    store.insert_all(&commit.nodes);
    Handle {
        root: commit.root.0,
        len,
    }
}

/// The world root of a state holding the model's structures.
fn build(m: &Model, store: &mut MemoryStore) -> (Hash, Vec<u8>) {
    let mut map_entries = Vec::new();
    for (k, list) in &m.map {
        let items = list
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let leaf = encode_list_leaf(&Value::Bytes(v.clone()));
                (list_key(i as u32).to_vec(), leaf)
            })
            .collect();
        let h = trie(store, items);
        let leaf = encode_map_leaf(k, &Value::Handle(h));
        map_entries.push((hashed_key(k).unwrap().to_vec(), leaf));
    }
    let map = trie(store, map_entries);
    let sorted = trie(
        store,
        m.sorted
            .iter()
            .map(|s| (member_key(s).unwrap().to_vec(), MEMBER_MARK.to_vec()))
            .collect(),
    );
    let set = trie(
        store,
        m.set
            .iter()
            .map(|s| (hashed_key(s).unwrap().to_vec(), encode_set_leaf(s)))
            .collect(),
    );
    let mut storage = vec![(vec![0, 0, 0, 0], vec![7u8])];
    for (var, h) in [(MAP, map), (SORTED, sorted), (SET, set)] {
        if !h.is_empty() {
            storage.push((handle_key(var).to_vec(), h.encode()));
        }
    }
    let storage = trie(store, storage);
    let code = wasm::module_declaring(&layout());
    let account = Account {
        nonce: 0,
        balance: [0; 32],
        storage_root: storage.root,
        code_hash: keccak256(&code),
    };
    let mut world = vec![(world_key(&CONTRACT).to_vec(), account.encode())];
    world.extend((1..20u8).map(|i| (world_key(&[i; 20]).to_vec(), Account::default().encode())));
    (trie(store, world).root, code)
}

/// The prover, written against the formats alone.
fn prove(
    store: &MemoryStore,
    root: Hash,
    code: &[u8],
    variable: u32,
    path: &[PathKey],
) -> ElementProof {
    let walk = |root: Hash, key: &[u8]| {
        let p = proof::prove(store, H256(root), key).unwrap();
        (p.value, p.nodes)
    };
    let (account, account_nodes) = walk(root, &world_key(&CONTRACT));
    let account = Account::decode(&account.unwrap()).unwrap();
    let mut levels = Vec::new();
    let (leaf, nodes) = walk(account.storage_root, &handle_key(variable));
    levels.push(nodes);
    let mut handle = leaf.map_or(Handle::EMPTY, |l| Handle::decode(&l).unwrap());
    let mut kind = layout().structure(variable as usize).unwrap().clone();
    for (depth, key) in path.iter().enumerate() {
        if handle.is_empty() {
            break;
        }
        let k = match (&kind, key) {
            (Structure::List(_), PathKey::Index(i)) => list_key(*i).to_vec(),
            (Structure::SortedSet, PathKey::Key(k)) => k.clone(),
            (_, PathKey::Key(k)) => hashed_key(k).unwrap().to_vec(),
            _ => unreachable!(),
        };
        let (leaf, nodes) = walk(handle.root, &k);
        levels.push(nodes);
        let Some(leaf) = leaf else { break };
        if depth + 1 == path.len() {
            break;
        }
        let Some(Element::Structure(inner)) = kind.element().cloned() else {
            unreachable!()
        };
        let value = match &kind {
            Structure::Map(e) => decode_map_leaf(&leaf, e).unwrap().1,
            Structure::List(e) => decode_list_leaf(&leaf, e).unwrap(),
            _ => unreachable!(),
        };
        let Value::Handle(h) = value else {
            unreachable!()
        };
        handle = h;
        kind = *inner;
    }
    ElementProof {
        root,
        address: CONTRACT,
        variable,
        path: path.to_vec(),
        account: account_nodes,
        code: Some(code.to_vec()),
        levels,
    }
}

/// Questions about the model, each with its answer.
fn questions(m: &Model, g: &mut Gen) -> Vec<(u32, Vec<PathKey>, Option<ElementValue>)> {
    let mut q = Vec::new();
    let mut keys: Vec<Vec<u8>> = m.map.keys().cloned().collect();
    keys.extend((0..3).map(|_| small_key(g)));
    for k in &keys {
        let list = m.map.get(k);
        q.push((
            MAP,
            vec![PathKey::Key(k.clone())],
            list.map(|l| {
                ElementValue::Structure(Handle {
                    root: [0; 32],
                    len: l.len() as u64,
                })
            }),
        ));
        for i in 0..6u32 {
            let v = list.and_then(|l| l.get(i as usize)).cloned();
            q.push((
                MAP,
                vec![PathKey::Key(k.clone()), PathKey::Index(i)],
                v.map(ElementValue::Bytes),
            ));
        }
    }
    for (var, members) in [(SORTED, &m.sorted), (SET, &m.set)] {
        let mut asked: Vec<Vec<u8>> = members.iter().cloned().collect();
        asked.extend((0..3).map(|_| small_key(g)));
        for k in asked {
            let present = members.contains(&k).then_some(ElementValue::Member);
            q.push((var, vec![PathKey::Key(k)], present));
        }
    }
    q
}

#[test]
fn element_proofs_verify_to_the_model_and_spoiled_ones_fail() {
    fn prop(m: Model, seed: u64) -> bool {
        let mut store = MemoryStore::new();
        let (root, code) = build(&m, &mut store);
        let mut g = Gen::new(seed as usize % 20 + 5);
        for (var, path, want) in questions(&m, &mut g) {
            let p = prove(&store, root, &code, var, &path);
            let proven = p.verify_for(&root, &CONTRACT, var, &path, None).unwrap();
            assert!(proven.account.is_some());
            match (&proven.element, &want) {
                // A nested structure is proven by its handle: compare lengths.
                (Some(ElementValue::Structure(h)), Some(ElementValue::Structure(w))) => {
                    assert_eq!(h.len, w.len)
                }
                (got, want) => assert_eq!(got, want, "{var} {path:?}"),
            }
            // The binary form round-trips, and every flipped byte of it fails
            // or proves the same element.
            let bytes = binary::encode_element(&p);
            assert_eq!(binary::decode_element(&bytes).unwrap(), p);
            for at in (0..bytes.len()).step_by(7) {
                let mut spoiled = bytes.clone();
                spoiled[at] ^= 0x01;
                let verified = binary::decode_element(&spoiled)
                    .and_then(|q| q.verify_for(&root, &CONTRACT, var, &path, None));
                assert!(verified.is_err(), "byte {at} of the binary proof");
            }
            // With the layout given instead of the code, the same answer.
            let mut no_code = p.clone();
            no_code.code = None;
            assert_eq!(no_code.verify(&root, Some(&layout())).unwrap(), proven);
            // Wrong questions.
            assert!(
                p.verify_for(&root, &CONTRACT, var + 1, &path, None)
                    .is_err()
            );
            let mut other = root;
            other[0] ^= 1;
            assert!(p.verify(&other, None).is_err());
            // Every level: a spoiled node, a dropped node, and an extra level fail.
            for l in 0..p.levels.len() {
                for n in 0..p.levels[l].len() {
                    let mut bad = p.clone();
                    let len = bad.levels[l][n].len();
                    bad.levels[l][n][len / 2] ^= 0x04;
                    assert!(
                        bad.verify(&root, None).is_err(),
                        "spoiled level {l} node {n}"
                    );
                    let mut short = p.clone();
                    short.levels[l].remove(n);
                    assert!(
                        short.verify(&root, None).is_err(),
                        "dropped level {l} node {n}"
                    );
                }
            }
            let mut extra = p.clone();
            extra.levels.push(p.levels[0].clone());
            assert_eq!(extra.verify(&root, None), Err(VerifyError::UnexpectedData));
            if !p.levels.is_empty() {
                let mut dropped = p.clone();
                dropped.levels.pop();
                assert!(dropped.verify(&root, None).is_err(), "a dropped level");
            }
        }
        true
    }
    QuickCheck::new()
        .tests(60)
        .quickcheck(prop as fn(Model, u64) -> bool);
}

#[test]
fn paths_must_fit_the_layout() {
    let m = Model {
        map: [(b"k".to_vec(), vec![b"v".to_vec()])].into(),
        sorted: BTreeSet::new(),
        set: BTreeSet::new(),
    };
    let mut store = MemoryStore::new();
    let (root, code) = build(&m, &mut store);
    let deep = vec![
        PathKey::Key(b"k".to_vec()),
        PathKey::Index(0),
        PathKey::Index(0),
    ];
    let mut p = prove(&store, root, &code, MAP, &deep[..2]);
    p.path = deep;
    assert!(matches!(
        p.verify(&root, None),
        Err(VerifyError::WrongQuestion(_))
    ));
    let mut p = prove(&store, root, &code, MAP, &[PathKey::Key(b"k".to_vec())]);
    p.path = vec![PathKey::Index(0)];
    assert!(matches!(
        p.verify(&root, None),
        Err(VerifyError::WrongQuestion(_))
    ));
    // A fixed variable is not a structure.
    p.variable = 0;
    p.path = vec![PathKey::Key(b"k".to_vec())];
    assert!(p.verify(&root, None).is_err());
    // An absent account proves every element absent and carries nothing else.
    let mut absent = prove(&store, root, &code, MAP, &[PathKey::Key(b"k".to_vec())]);
    absent.address = [0xee; 20];
    absent.account = proof::prove(&store, H256(root), &world_key(&[0xee; 20]))
        .unwrap()
        .nodes;
    absent.code = None;
    absent.levels.clear();
    let proven = absent.verify(&root, None).unwrap();
    assert_eq!((proven.account, proven.element), (None, None));
}
