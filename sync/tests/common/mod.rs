//! A random state with accounts, contracts with variables and every
//! structure kind (nested three levels), and the model it was built from,
//! to compare a synced database against.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use primitive_types::{H256, U256};
use svm_state::code::module_declaring;
use svm_state::kv::KvStore;
use svm_state::layout::{Kind, Layout};
use svm_state::structure::{Element, PathKey, Structure};
use svm_state::{Address, StateDb, StructurePath};

pub(crate) const MAP: u32 = 2;
pub(crate) const LIST: u32 = 3;
pub(crate) const SET: u32 = 4;
pub(crate) const SORTED: u32 = 5;
/// map<bytes, list<map<bytes, bytes>>>
pub(crate) const NESTED: u32 = 6;

pub(crate) fn layout() -> Layout {
    let nested = |s: Structure| Element::Structure(Box::new(s));
    Layout::with_kinds(
        4096,
        &[
            Kind::Bytes(32),
            Kind::Bytes(3000),
            Kind::Structure(Structure::Map(Element::Bytes)),
            Kind::Structure(Structure::List(Element::Bytes)),
            Kind::Structure(Structure::Set),
            Kind::Structure(Structure::SortedSet),
            Kind::Structure(Structure::Map(nested(Structure::List(nested(
                Structure::Map(Element::Bytes),
            ))))),
        ],
    )
    .unwrap()
}

pub(crate) struct Rng(pub u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(crate) fn bytes(&mut self, min: usize, max: usize) -> Vec<u8> {
        let n = min + (self.next() as usize) % (max - min + 1);
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// A map of bytes to bytes.
type Bytes = BTreeMap<Vec<u8>, Vec<u8>>;

/// One contract's contents.
#[derive(Default)]
pub(crate) struct ContractModel {
    pub(crate) vars: [Vec<u8>; 2],
    pub(crate) map: BTreeMap<Vec<u8>, Vec<u8>>,
    pub(crate) list: Vec<Vec<u8>>,
    pub(crate) set: BTreeSet<Vec<u8>>,
    pub(crate) sorted: BTreeSet<Vec<u8>>,
    pub(crate) nested: BTreeMap<Vec<u8>, Vec<Bytes>>,
}

pub(crate) struct Model {
    pub(crate) accounts: Vec<(Address, U256)>,
    pub(crate) contracts: BTreeMap<Address, ContractModel>,
}

/// Sizes of a random state.
#[derive(Clone, Copy)]
pub(crate) struct Size {
    pub(crate) accounts: usize,
    pub(crate) contracts: usize,
    /// Elements per structure (at most).
    pub(crate) elements: usize,
}

/// Builds a random state in `db` over a few commits; returns its root.
pub(crate) fn build<K: KvStore>(db: &StateDb<K>, seed: u64, size: Size) -> (H256, Model) {
    let mut rng = Rng(seed | 1);
    let code = module_declaring(&layout());
    let mut model = Model {
        accounts: Vec::new(),
        contracts: BTreeMap::new(),
    };
    let mut s = db.begin().unwrap();
    for _ in 0..size.accounts {
        let a = Address::from_low_u64_be(rng.next());
        let balance = U256::from(rng.next());
        s.create_account(&a, balance).unwrap();
        model.accounts.push((a, balance));
    }
    for i in 0..size.contracts {
        let c = Address::from_low_u64_be(0xc000_0000 + i as u64);
        s.create_contract(&c, &code, U256::from(i)).unwrap();
        let mut m = ContractModel::default();
        // Some contracts stay empty: an empty storage trie.
        if i % 5 != 4 {
            m.vars[0] = rng.bytes(32, 32);
            m.vars[1] = rng.bytes(3000, 3000);
            s.write_variable(&c, 0, &m.vars[0]).unwrap();
            s.write_variable(&c, 1, &m.vars[1]).unwrap();
            let n = |rng: &mut Rng| (rng.next() as usize) % (size.elements + 1);
            for _ in 0..n(&mut rng) {
                let (k, v) = (rng.bytes(1, 20), rng.bytes(1, 120));
                s.set_element(
                    &c,
                    &StructurePath::variable(MAP),
                    &PathKey::Key(k.clone()),
                    &v,
                )
                .unwrap();
                m.map.insert(k, v);
            }
            for _ in 0..n(&mut rng) {
                let v = rng.bytes(1, 200);
                s.push(&c, &StructurePath::variable(LIST), &v).unwrap();
                m.list.push(v);
            }
            for _ in 0..n(&mut rng) {
                let v = rng.bytes(1, 40);
                s.insert(&c, &StructurePath::variable(SET), &v).unwrap();
                m.set.insert(v);
            }
            for _ in 0..n(&mut rng) {
                let v = rng.bytes(1, 64);
                s.insert(&c, &StructurePath::variable(SORTED), &v).unwrap();
                m.sorted.insert(v);
            }
            for _ in 0..n(&mut rng) / 4 {
                let k1 = rng.bytes(1, 4);
                let lists = StructurePath::variable(NESTED).child(PathKey::Key(k1.clone()));
                let at = s.push_structure(&c, &lists).unwrap();
                let inner = lists.child(PathKey::Index(at as u32));
                let mut map = BTreeMap::new();
                for _ in 0..1 + rng.next() % 4 {
                    let (k, v) = (rng.bytes(1, 8), rng.bytes(1, 30));
                    s.set_element(&c, &inner, &PathKey::Key(k.clone()), &v)
                        .unwrap();
                    map.insert(k, v);
                }
                m.nested.entry(k1).or_default().push(map);
            }
        }
        model.contracts.insert(c, m);
        if i % 50 == 49 {
            s.commit().unwrap();
            s = db.begin().unwrap();
        }
    }
    let root = s.commit().unwrap().head.root;
    (root, model)
}

/// Checks that `db` holds exactly the model at `root`: the check walk is
/// clean and every account, variable and element reads back.
pub(crate) fn assert_holds<K: KvStore>(db: &StateDb<K>, root: H256, model: &Model) {
    assert_eq!(db.head().root, root);
    db.check(root).expect("the synced state checks clean");
    if db.history() != svm_state::History::Archive {
        // The adoption counted every node, and nothing else is stored.
        let audit = db.audit_refs().expect("audit");
        assert!(audit.is_clean(), "{audit:?}");
    }
    let v = db.at(root).unwrap();
    for (a, balance) in &model.accounts {
        assert_eq!(v.account(a).unwrap().unwrap().balance, *balance);
    }
    for (c, m) in &model.contracts {
        let var0 = v.variable(c, 0).unwrap();
        if m.vars[0].is_empty() {
            assert_eq!(var0, vec![0; 32]);
            continue;
        }
        assert_eq!(var0, m.vars[0]);
        assert_eq!(v.variable(c, 1).unwrap(), m.vars[1]);
        let top = StructurePath::variable;
        assert_eq!(v.structure_len(c, &top(MAP)).unwrap(), m.map.len() as u64);
        for (k, val) in &m.map {
            let got = v.element(c, &top(MAP), &PathKey::Key(k.clone())).unwrap();
            assert_eq!(got.as_ref(), Some(val));
        }
        assert_eq!(v.structure_len(c, &top(LIST)).unwrap(), m.list.len() as u64);
        for (i, val) in m.list.iter().enumerate() {
            let got = v.element(c, &top(LIST), &PathKey::Index(i as u32)).unwrap();
            assert_eq!(got.as_ref(), Some(val));
        }
        assert_eq!(v.structure_len(c, &top(SET)).unwrap(), m.set.len() as u64);
        for x in &m.set {
            assert!(v.contains(c, &top(SET), x).unwrap());
        }
        assert_eq!(
            v.structure_len(c, &top(SORTED)).unwrap(),
            m.sorted.len() as u64
        );
        let mut from = Vec::new();
        for x in &m.sorted {
            let got = v.next_member(c, &top(SORTED), &from).unwrap();
            assert_eq!(got.as_ref(), Some(x));
            from = x.clone();
            from.push(0);
        }
        assert_eq!(v.next_member(c, &top(SORTED), &from).unwrap(), None);
        for (k1, lists) in &m.nested {
            let lp = top(NESTED).child(PathKey::Key(k1.clone()));
            assert_eq!(v.structure_len(c, &lp).unwrap(), lists.len() as u64);
            for (i, map) in lists.iter().enumerate() {
                let mp = lp.child(PathKey::Index(i as u32));
                for (k, val) in map {
                    let got = v.element(c, &mp, &PathKey::Key(k.clone())).unwrap();
                    assert_eq!(got.as_ref(), Some(val));
                }
            }
        }
    }
}

/// A state database in a temporary directory.
pub(crate) fn rocks(dir: &std::path::Path) -> Arc<StateDb<svm_state::kv::RocksKv>> {
    rocks_keeping(dir, svm_state::History::DEFAULT)
}

/// A small-memory RocksDB state keeping `history`.
#[allow(dead_code)]
pub(crate) fn rocks_keeping(
    dir: &std::path::Path,
    history: svm_state::History,
) -> Arc<StateDb<svm_state::kv::RocksKv>> {
    let mut config = svm_state::StateConfig {
        history,
        ..svm_state::StateConfig::default()
    };
    config.rocks.memory_budget_mib = 16;
    config.node_cache_bytes = 16 << 20;
    Arc::new(StateDb::open_rocks(dir, &config).unwrap())
}
