//! Structures against a model: random operations on a map, a list, a set, a
//! sorted set, a map of lists, a list of maps and a structure four levels
//! deep (map of maps of lists of maps), with nested checkpoints
//! (kept or reverted), commits and reads; after every commit the contract's
//! storage root is recomputed from the model with nothing but the trie's
//! `root_of` and the written formats.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use quickcheck::{Arbitrary, Gen, QuickCheck};
use svm_state::code::module_declaring;
use svm_state::kv::{KvStore, MemoryKv};
use svm_state::layout::{Kind, Layout};
use svm_state::structure::{
    Element, Handle, MEMBER_MARK, PathKey, Structure, Value, encode_list_leaf, encode_map_leaf,
    encode_set_leaf, handle_key, hashed_key, list_key,
};
use svm_state::{Address, StateConfig, StateDb, StructurePath};
use svm_trie::root_of;

const C: Address = Address::repeat_byte(0xc5);
const MAP: u32 = 1;
const LIST: u32 = 2;
const SET: u32 = 3;
const SORTED: u32 = 4;
const MAP_OF_LISTS: u32 = 5;
const LIST_OF_MAPS: u32 = 6;
/// map<bytes, map<bytes, list<map<bytes, bytes>>>>: four levels.
const DEEP: u32 = 7;

fn layout() -> Layout {
    let nested = |s: Structure| Element::Structure(Box::new(s));
    Layout::with_kinds(
        4096,
        &[
            Kind::Bytes(8),
            Kind::Structure(Structure::Map(Element::Bytes)),
            Kind::Structure(Structure::List(Element::Bytes)),
            Kind::Structure(Structure::Set),
            Kind::Structure(Structure::SortedSet),
            Kind::Structure(Structure::Map(nested(Structure::List(Element::Bytes)))),
            Kind::Structure(Structure::List(nested(Structure::Map(Element::Bytes)))),
            Kind::Structure(Structure::Map(nested(Structure::Map(nested(
                Structure::List(nested(Structure::Map(Element::Bytes))),
            ))))),
        ],
    )
    .unwrap()
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Model {
    map: BTreeMap<Vec<u8>, Vec<u8>>,
    list: Vec<Vec<u8>>,
    set: BTreeSet<Vec<u8>>,
    sorted: BTreeSet<Vec<u8>>,
    map_of_lists: BTreeMap<Vec<u8>, Vec<Vec<u8>>>,
    list_of_maps: Vec<BTreeMap<Vec<u8>, Vec<u8>>>,
    deep: Deep,
}

/// The four-level structure: no empty map or list is kept (a map holds no
/// empty structure); list elements may be empty maps.
type Deep = BTreeMap<Vec<u8>, BTreeMap<Vec<u8>, Vec<BTreeMap<Vec<u8>, Vec<u8>>>>>;

#[derive(Clone, Debug)]
enum Op {
    MapSet(Vec<u8>, Vec<u8>),
    MapRemove(Vec<u8>),
    Push(Vec<u8>),
    Pop,
    ListSet(u8, Vec<u8>),
    SetInsert(Vec<u8>),
    SetRemove(Vec<u8>),
    SortedInsert(Vec<u8>),
    SortedRemove(Vec<u8>),
    NestedPush(Vec<u8>, Vec<u8>),
    NestedPop(Vec<u8>),
    NestedRemove(Vec<u8>),
    OuterPush,
    OuterPop,
    OuterSet(u8, Vec<u8>, Vec<u8>),
    OuterClearAt(u8),
    Clear(u32),
    Checkpoint,
    KeepCheckpoint,
    RevertCheckpoint,
    Commit,
    /// Drop the session (its changes are lost) and reopen the database.
    Reopen,
    /// List a structure's entries, three at a time.
    Entries(u32),
    /// Write changed nested structures into their parents (what the VM
    /// does after every transaction).
    Sync,
    /// Four levels down: push an empty map onto deep[k1][k2].
    DeepPush(Vec<u8>, Vec<u8>),
    /// Set deep[k1][k2][i][k3] = v.
    DeepSet(Vec<u8>, Vec<u8>, u8, Vec<u8>, Vec<u8>),
    /// Pop deep[k1][k2].
    DeepPop(Vec<u8>, Vec<u8>),
    /// Remove deep[k1] (with everything under it).
    DeepRemove(Vec<u8>),
}

fn key(g: &mut Gen) -> Vec<u8> {
    let len = usize::arbitrary(g) % 3;
    (0..len)
        .map(|_| *g.choose(&[0u8, 1, 0x80]).unwrap())
        .collect()
}

fn value(g: &mut Gen) -> Vec<u8> {
    let len = usize::arbitrary(g) % 40;
    (0..len).map(|_| u8::arbitrary(g)).collect()
}

impl Arbitrary for Op {
    fn arbitrary(g: &mut Gen) -> Self {
        match u8::arbitrary(g) % 29 {
            0 => Op::MapSet(key(g), value(g)),
            1 => Op::MapRemove(key(g)),
            2 => Op::Push(value(g)),
            3 => Op::Pop,
            4 => Op::ListSet(u8::arbitrary(g) % 6, value(g)),
            5 => Op::SetInsert(key(g)),
            6 => Op::SetRemove(key(g)),
            7 => Op::SortedInsert(key(g)),
            8 => Op::SortedRemove(key(g)),
            9 => Op::NestedPush(key(g), value(g)),
            10 => Op::NestedPop(key(g)),
            11 => Op::NestedRemove(key(g)),
            12 => Op::OuterPush,
            13 => Op::OuterPop,
            14 => Op::OuterSet(u8::arbitrary(g) % 4, key(g), value(g)),
            15 => Op::OuterClearAt(u8::arbitrary(g) % 4),
            16 => Op::Clear(1 + u32::arbitrary(g) % 7),
            17 => Op::Checkpoint,
            18 => Op::KeepCheckpoint,
            19 => Op::RevertCheckpoint,
            20 => Op::Reopen,
            21 => Op::Entries(1 + u32::arbitrary(g) % 7),
            22 => Op::Sync,
            23 => Op::DeepPush(key(g), key(g)),
            24 | 25 => Op::DeepSet(key(g), key(g), u8::arbitrary(g) % 3, key(g), value(g)),
            26 => Op::DeepPop(key(g), key(g)),
            27 => Op::DeepRemove(key(g)),
            _ => Op::Commit,
        }
    }
}

fn handle(entries: Vec<(Vec<u8>, Vec<u8>)>) -> Handle {
    let len = entries.len() as u64;
    Handle {
        root: root_of(entries).unwrap().0,
        len,
    }
}

fn map_handle(m: &BTreeMap<Vec<u8>, Vec<u8>>) -> Handle {
    handle(
        m.iter()
            .map(|(k, v)| {
                let leaf = encode_map_leaf(k, &Value::Bytes(v.clone()));
                (hashed_key(k).unwrap().to_vec(), leaf)
            })
            .collect(),
    )
}

fn list_handle(l: &[Vec<u8>]) -> Handle {
    handle(
        l.iter()
            .enumerate()
            .map(|(i, v)| {
                let leaf = encode_list_leaf(&Value::Bytes(v.clone()));
                (list_key(i as u32).to_vec(), leaf)
            })
            .collect(),
    )
}

/// The contract's storage root, from the model and the formats alone.
fn storage_root(m: &Model) -> [u8; 32] {
    let set = handle(
        m.set
            .iter()
            .map(|s| (hashed_key(s).unwrap().to_vec(), encode_set_leaf(s)))
            .collect(),
    );
    let sorted = handle(
        m.sorted
            .iter()
            .map(|s| (s.clone(), MEMBER_MARK.to_vec()))
            .collect(),
    );
    let map_of_lists = handle(
        m.map_of_lists
            .iter()
            .map(|(k, l)| {
                let leaf = encode_map_leaf(k, &Value::Handle(list_handle(l)));
                (hashed_key(k).unwrap().to_vec(), leaf)
            })
            .collect(),
    );
    let list_of_maps = handle(
        m.list_of_maps
            .iter()
            .enumerate()
            .map(|(i, inner)| {
                let leaf = encode_list_leaf(&Value::Handle(map_handle(inner)));
                (list_key(i as u32).to_vec(), leaf)
            })
            .collect(),
    );
    let deep = handle(
        m.deep
            .iter()
            .map(|(k1, middle)| {
                let middle = handle(
                    middle
                        .iter()
                        .map(|(k2, list)| {
                            let list = handle(
                                list.iter()
                                    .enumerate()
                                    .map(|(i, inner)| {
                                        let leaf =
                                            encode_list_leaf(&Value::Handle(map_handle(inner)));
                                        (list_key(i as u32).to_vec(), leaf)
                                    })
                                    .collect(),
                            );
                            let leaf = encode_map_leaf(k2, &Value::Handle(list));
                            (hashed_key(k2).unwrap().to_vec(), leaf)
                        })
                        .collect(),
                );
                let leaf = encode_map_leaf(k1, &Value::Handle(middle));
                (hashed_key(k1).unwrap().to_vec(), leaf)
            })
            .collect(),
    );
    let handles = [
        (DEEP, deep),
        (MAP, map_handle(&m.map)),
        (LIST, list_handle(&m.list)),
        (SET, set),
        (SORTED, sorted),
        (MAP_OF_LISTS, map_of_lists),
        (LIST_OF_MAPS, list_of_maps),
    ];
    let entries: Vec<(Vec<u8>, Vec<u8>)> = handles
        .iter()
        .filter(|(_, h)| !h.is_empty())
        .map(|(v, h)| (handle_key(*v).to_vec(), h.encode()))
        .collect();
    root_of(entries).unwrap().0
}

/// Each top-level structure's length.
fn lens_of(m: &Model) -> [(u32, usize); 7] {
    [
        (MAP, m.map.len()),
        (LIST, m.list.len()),
        (SET, m.set.len()),
        (SORTED, m.sorted.len()),
        (MAP_OF_LISTS, m.map_of_lists.len()),
        (LIST_OF_MAPS, m.list_of_maps.len()),
        (DEEP, m.deep.len()),
    ]
}

/// Non-empty structures (top-level and nested) and their elements.
fn counts(m: &Model) -> (u64, u64) {
    let top = [
        m.map.len(),
        m.list.len(),
        m.set.len(),
        m.sorted.len(),
        m.map_of_lists.len(),
        m.list_of_maps.len(),
        m.deep.len(),
    ];
    let deep = m.deep.values().flat_map(|middle| {
        std::iter::once(middle.len()).chain(
            middle
                .values()
                .flat_map(|list| std::iter::once(list.len()).chain(list.iter().map(BTreeMap::len))),
        )
    });
    let nested: Vec<usize> = m
        .map_of_lists
        .values()
        .map(Vec::len)
        .chain(m.list_of_maps.iter().map(BTreeMap::len))
        .chain(deep)
        .collect();
    let structures = top.iter().chain(&nested).filter(|n| **n > 0).count();
    let elements: usize = top.iter().chain(&nested).sum();
    (structures as u64, elements as u64)
}

fn top(variable: u32) -> StructurePath {
    StructurePath::variable(variable)
}

fn run<K: KvStore>(ops: Vec<Op>, open: &dyn Fn() -> StateDb<K>) -> Result<(), String> {
    let mut db = open();
    let mut s = db.begin().unwrap();
    s.create_contract(&C, &module_declaring(&layout()), 0u64.into())
        .unwrap();
    s.commit().unwrap();
    let mut s = db.begin().unwrap();
    let mut model = Model::default();
    let mut committed = Model::default();
    let mut saved: Vec<Model> = Vec::new();
    for (n, op) in ops.into_iter().enumerate() {
        let m = &mut model;
        let k = |k: &[u8]| PathKey::Key(k.to_vec());
        match &op {
            Op::MapSet(key, v) => {
                s.set_element(&C, &top(MAP), &k(key), v).unwrap();
                m.map.insert(key.clone(), v.clone());
            }
            Op::MapRemove(key) => {
                let had = s.remove(&C, &top(MAP), key).unwrap();
                if had != m.map.remove(key).is_some() {
                    return Err(format!("op {n}: remove of {key:?}"));
                }
            }
            Op::Push(v) => {
                let at = s.push(&C, &top(LIST), v).unwrap();
                if at != m.list.len() as u64 {
                    return Err(format!("op {n}: push at {at}"));
                }
                m.list.push(v.clone());
            }
            Op::Pop => {
                if s.pop(&C, &top(LIST)).unwrap() != m.list.pop().is_some() {
                    return Err(format!("op {n}: pop"));
                }
            }
            Op::ListSet(i, v) => {
                let r = s.set_element(&C, &top(LIST), &PathKey::Index(u32::from(*i)), v);
                match m.list.get_mut(usize::from(*i)) {
                    Some(slot) => {
                        r.unwrap();
                        *slot = v.clone();
                    }
                    None => {
                        if r.is_ok() {
                            return Err(format!("op {n}: set past the end"));
                        }
                    }
                }
            }
            Op::SetInsert(x) => {
                if s.insert(&C, &top(SET), x).unwrap() != m.set.insert(x.clone()) {
                    return Err(format!("op {n}: set insert"));
                }
            }
            Op::SetRemove(x) => {
                if s.remove(&C, &top(SET), x).unwrap() != m.set.remove(x) {
                    return Err(format!("op {n}: set remove"));
                }
            }
            Op::SortedInsert(x) => {
                if s.insert(&C, &top(SORTED), x).unwrap() != m.sorted.insert(x.clone()) {
                    return Err(format!("op {n}: sorted insert"));
                }
            }
            Op::SortedRemove(x) => {
                if s.remove(&C, &top(SORTED), x).unwrap() != m.sorted.remove(x) {
                    return Err(format!("op {n}: sorted remove"));
                }
            }
            Op::NestedPush(key, v) => {
                let p = top(MAP_OF_LISTS).child(k(key));
                s.push(&C, &p, v).unwrap();
                m.map_of_lists
                    .entry(key.clone())
                    .or_default()
                    .push(v.clone());
            }
            Op::NestedPop(key) => {
                let p = top(MAP_OF_LISTS).child(k(key));
                let popped = s.pop(&C, &p).unwrap();
                let model_popped = match m.map_of_lists.get_mut(key) {
                    Some(l) => {
                        l.pop();
                        if l.is_empty() {
                            m.map_of_lists.remove(key);
                        }
                        true
                    }
                    None => false,
                };
                if popped != model_popped {
                    return Err(format!("op {n}: nested pop"));
                }
            }
            Op::NestedRemove(key) => {
                let had = s.remove(&C, &top(MAP_OF_LISTS), key).unwrap();
                if had != m.map_of_lists.remove(key).is_some() {
                    return Err(format!("op {n}: nested remove"));
                }
            }
            Op::OuterPush => {
                s.push_structure(&C, &top(LIST_OF_MAPS)).unwrap();
                m.list_of_maps.push(BTreeMap::new());
            }
            Op::OuterPop => {
                if s.pop(&C, &top(LIST_OF_MAPS)).unwrap() != m.list_of_maps.pop().is_some() {
                    return Err(format!("op {n}: outer pop"));
                }
            }
            Op::OuterSet(i, key, v) => {
                let p = top(LIST_OF_MAPS).child(PathKey::Index(u32::from(*i)));
                let r = s.set_element(&C, &p, &k(key), v);
                match m.list_of_maps.get_mut(usize::from(*i)) {
                    Some(inner) => {
                        r.unwrap();
                        inner.insert(key.clone(), v.clone());
                    }
                    None => {
                        if r.is_ok() {
                            return Err(format!("op {n}: a map past the list's end"));
                        }
                    }
                }
            }
            Op::OuterClearAt(i) => {
                let p = top(LIST_OF_MAPS).child(PathKey::Index(u32::from(*i)));
                let r = s.clear(&C, &p);
                match m.list_of_maps.get_mut(usize::from(*i)) {
                    Some(inner) => {
                        r.unwrap();
                        inner.clear();
                    }
                    None => {
                        if r.is_ok() {
                            return Err(format!("op {n}: clear past the list's end"));
                        }
                    }
                }
            }
            Op::Clear(var) => {
                s.clear(&C, &top(*var)).unwrap();
                match *var {
                    MAP => m.map.clear(),
                    LIST => m.list.clear(),
                    SET => m.set.clear(),
                    SORTED => m.sorted.clear(),
                    MAP_OF_LISTS => m.map_of_lists.clear(),
                    DEEP => m.deep.clear(),
                    _ => m.list_of_maps.clear(),
                }
            }
            Op::Checkpoint => {
                s.checkpoint();
                saved.push(model.clone());
            }
            Op::KeepCheckpoint => {
                if saved.pop().is_some() {
                    s.commit_checkpoint().unwrap();
                }
            }
            Op::RevertCheckpoint => {
                if let Some(before) = saved.pop() {
                    s.revert_checkpoint().unwrap();
                    model = before;
                }
            }
            Op::Commit => {
                saved.clear();
                let out = s.commit().unwrap();
                let account = db.at(out.head.root).unwrap().account(&C).unwrap().unwrap();
                if account.storage_root.0 != storage_root(&model) {
                    return Err(format!("op {n}: the committed storage root"));
                }
                // `check` walks every structure and counts what it holds.
                let report = db
                    .check(out.head.root)
                    .map_err(|e| format!("op {n}: {e}"))?;
                if (report.structures, report.elements) != counts(&model) {
                    return Err(format!("op {n}: check counted {report:?}"));
                }
                // A view of the committed root reads the same.
                let view = db.at(out.head.root).unwrap();
                for (var, len) in lens_of(&model) {
                    if view.structure_len(&C, &top(var)).unwrap() != len as u64 {
                        return Err(format!("op {n}: the view's length of {var}"));
                    }
                }
                committed = model.clone();
                s = db.begin().unwrap();
            }
            Op::DeepPush(k1, k2) => {
                let p = top(DEEP).child(k(k1)).child(k(k2));
                let at = s.push_structure(&C, &p).unwrap();
                let list = m
                    .deep
                    .entry(k1.clone())
                    .or_default()
                    .entry(k2.clone())
                    .or_default();
                if at != list.len() as u64 {
                    return Err(format!("op {n}: deep push at {at}"));
                }
                list.push(BTreeMap::new());
            }
            Op::DeepSet(k1, k2, i, k3, v) => {
                let p = top(DEEP)
                    .child(k(k1))
                    .child(k(k2))
                    .child(PathKey::Index(u32::from(*i)));
                let r = s.set_element(&C, &p, &k(k3), v);
                let slot = m
                    .deep
                    .get_mut(k1)
                    .and_then(|mid| mid.get_mut(k2))
                    .and_then(|l| l.get_mut(usize::from(*i)));
                match slot {
                    Some(inner) => {
                        r.map_err(|e| format!("op {n}: deep set: {e}"))?;
                        inner.insert(k3.clone(), v.clone());
                    }
                    None => {
                        if r.is_ok() {
                            return Err(format!("op {n}: deep set past a list's end"));
                        }
                    }
                }
            }
            Op::DeepPop(k1, k2) => {
                let p = top(DEEP).child(k(k1)).child(k(k2));
                let popped = s.pop(&C, &p).unwrap();
                let mut model_popped = false;
                if let Some(mid) = m.deep.get_mut(k1) {
                    if let Some(list) = mid.get_mut(k2) {
                        model_popped = list.pop().is_some();
                        if list.is_empty() {
                            mid.remove(k2);
                        }
                    }
                    if mid.is_empty() {
                        m.deep.remove(k1);
                    }
                }
                if popped != model_popped {
                    return Err(format!("op {n}: deep pop"));
                }
            }
            Op::DeepRemove(k1) => {
                let had = s.remove(&C, &top(DEEP), k1).unwrap();
                if had != m.deep.remove(k1).is_some() {
                    return Err(format!("op {n}: deep remove"));
                }
            }
            Op::Sync => {
                s.sync_structures().map_err(|e| format!("op {n}: {e}"))?;
            }
            Op::Entries(var) => {
                let mut all = Vec::new();
                let mut from = Vec::new();
                loop {
                    let page = s.entries(&C, &top(*var), &from, 3).unwrap();
                    all.extend(page.entries);
                    match page.next {
                        Some(n) => from = n,
                        None => break,
                    }
                }
                let keys = |all: &[(PathKey, Option<Vec<u8>>)]| -> BTreeSet<Vec<u8>> {
                    all.iter()
                        .filter_map(|(k, _)| match k {
                            PathKey::Key(k) => Some(k.clone()),
                            PathKey::Index(_) => None,
                        })
                        .collect()
                };
                let ok = match *var {
                    MAP => {
                        let got: BTreeMap<Vec<u8>, Vec<u8>> = all
                            .iter()
                            .filter_map(|(k, v)| match (k, v) {
                                (PathKey::Key(k), Some(v)) => Some((k.clone(), v.clone())),
                                _ => None,
                            })
                            .collect();
                        got == m.map && all.len() == m.map.len()
                    }
                    LIST => all.iter().map(|(k, v)| (k.clone(), v.clone())).eq(m
                        .list
                        .iter()
                        .enumerate()
                        .map(|(i, v)| (PathKey::Index(i as u32), Some(v.clone())))),
                    SET => keys(&all) == m.set && all.len() == m.set.len(),
                    SORTED => all
                        .iter()
                        .map(|(k, _)| k.clone())
                        .eq(m.sorted.iter().map(|k| PathKey::Key(k.clone()))),
                    MAP_OF_LISTS => {
                        keys(&all) == m.map_of_lists.keys().cloned().collect::<BTreeSet<_>>()
                            && all.len() == m.map_of_lists.len()
                    }
                    DEEP => {
                        keys(&all) == m.deep.keys().cloned().collect::<BTreeSet<_>>()
                            && all.len() == m.deep.len()
                    }
                    _ => all
                        .iter()
                        .map(|(k, _)| k.clone())
                        .eq((0..m.list_of_maps.len() as u32).map(PathKey::Index)),
                };
                if !ok {
                    return Err(format!("op {n}: the entries of {var}: {all:?}"));
                }
            }
            Op::Reopen => {
                drop(s);
                drop(db);
                db = open();
                s = db.begin().unwrap();
                saved.clear();
                model = committed.clone();
            }
        }
        // Reads agree with the model after every operation.
        let m = &model;
        for (var, len) in lens_of(m) {
            let got = s.structure_len(&C, &top(var)).unwrap();
            if got != len as u64 {
                return Err(format!("op {n} {op:?}: length of {var}: {got} != {len}"));
            }
        }
        for (key, v) in &m.map {
            let got = s
                .element(&C, &top(MAP), &PathKey::Key(key.clone()))
                .unwrap();
            if got.as_ref() != Some(v) {
                return Err(format!("op {n}: map[{key:?}]"));
            }
        }
        for (i, v) in m.list.iter().enumerate() {
            let got = s
                .element(&C, &top(LIST), &PathKey::Index(i as u32))
                .unwrap();
            if got.as_ref() != Some(v) {
                return Err(format!("op {n}: list[{i}]"));
            }
        }
        for (key, l) in &m.map_of_lists {
            let p = top(MAP_OF_LISTS).child(PathKey::Key(key.clone()));
            if s.structure_len(&C, &p).unwrap() != l.len() as u64 {
                return Err(format!("op {n}: length of map_of_lists[{key:?}]"));
            }
            let last = s
                .element(&C, &p, &PathKey::Index(l.len() as u32 - 1))
                .unwrap();
            if last.as_ref() != l.last() {
                return Err(format!("op {n}: last of map_of_lists[{key:?}]"));
            }
        }
        for (i, inner) in m.list_of_maps.iter().enumerate() {
            let p = top(LIST_OF_MAPS).child(PathKey::Index(i as u32));
            if s.structure_len(&C, &p).unwrap() != inner.len() as u64 {
                return Err(format!("op {n}: length of list_of_maps[{i}]"));
            }
        }
        for (k1, middle) in &m.deep {
            let p1 = top(DEEP).child(PathKey::Key(k1.clone()));
            if s.structure_len(&C, &p1).unwrap() != middle.len() as u64 {
                return Err(format!("op {n}: length of deep[{k1:?}]"));
            }
            for (k2, list) in middle {
                let p2 = p1.child(PathKey::Key(k2.clone()));
                if s.structure_len(&C, &p2).unwrap() != list.len() as u64 {
                    return Err(format!("op {n}: length of deep[{k1:?}][{k2:?}]"));
                }
                for (i, inner) in list.iter().enumerate() {
                    let p3 = p2.child(PathKey::Index(i as u32));
                    for (k3, v) in inner {
                        let got = s.element(&C, &p3, &PathKey::Key(k3.clone())).unwrap();
                        if got.as_ref() != Some(v) {
                            return Err(format!("op {n}: deep[{k1:?}][{k2:?}][{i}][{k3:?}]"));
                        }
                    }
                }
            }
        }
        let first = s.next_member(&C, &top(SORTED), &[]).unwrap();
        let last = s.prev_member(&C, &top(SORTED), None).unwrap();
        if first.as_ref() != m.sorted.first() || last.as_ref() != m.sorted.last() {
            return Err(format!("op {n}: sorted set's ends"));
        }
    }
    // A final commit of whatever is left, checked the same way.
    let out = s.commit().unwrap();
    let account = db.at(out.head.root).unwrap().account(&C).unwrap().unwrap();
    if account.storage_root.0 != storage_root(&model) {
        return Err("the final storage root".into());
    }
    Ok(())
}

/// Up to 150 operations.
#[derive(Clone, Debug)]
struct Ops(Vec<Op>);

impl Arbitrary for Ops {
    fn arbitrary(g: &mut Gen) -> Self {
        let n = usize::arbitrary(g) % 150;
        Ops((0..n).map(|_| Op::arbitrary(g)).collect())
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        Box::new(self.0.shrink().map(Ops))
    }
}

fn outcome(r: Result<(), String>, ops: &Ops) -> bool {
    match r {
        Ok(()) => true,
        Err(e) => {
            eprintln!("{e}\n{:?}", ops.0);
            false
        }
    }
}

#[test]
fn structures_match_the_model_in_memory() {
    fn prop(ops: Ops) -> bool {
        let kv = Arc::new(MemoryKv::new());
        let open = || StateDb::open(kv.clone(), &StateConfig::default()).unwrap();
        outcome(run(ops.0.clone(), &open), &ops)
    }
    QuickCheck::new()
        .tests(1000)
        .quickcheck(prop as fn(Ops) -> bool);
}

#[test]
fn structures_match_the_model_on_rocksdb() {
    fn prop(ops: Ops) -> bool {
        let dir = tempfile::tempdir().unwrap();
        let open = || StateDb::open_rocks(dir.path(), &StateConfig::default()).unwrap();
        outcome(run(ops.0.clone(), &open), &ops)
    }
    QuickCheck::new()
        .tests(60)
        .quickcheck(prop as fn(Ops) -> bool);
}
