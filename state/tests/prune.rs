//! Pruning against a model: random histories of commits (variables, a map
//! of lists, a list, a set; nested lists removed and maps cleared, which
//! drop whole tries; two contracts often given identical storage, so their
//! tries share nodes; blocks with receipts, some committed again at the
//! same height; empty commits) with windows of 1 to 16 roots, on memory and
//! on RocksDB reopened between commits. After every commit: every kept root
//! passes `check` and reads back exactly as the model had it; every root
//! that left the window is reported pruned (unless a kept commit produced
//! it again); every reference count is exactly what the database's state,
//! journals, sweep stack and receipts require, and no node is stored that
//! nothing counts (`audit_refs`). After the history, once the window has
//! passed and the sweep has finished, only the head's nodes (and the
//! receipts') remain.

use std::collections::{BTreeMap, BTreeSet};

use quickcheck::{Arbitrary, Gen, QuickCheck};
use svm_state::code::module_declaring;
use svm_state::kv::{KvStore, MemoryKv, RocksKv};
use svm_state::layout::{Kind, Layout};
use svm_state::structure::{Element, PathKey, Structure};
use svm_state::{
    Address, BlockRecord, History, StateConfig, StateDb, StateError, StructurePath, View,
};
use svm_trie::{H256, MemoryStore, TrieMut};

const CONTRACTS: usize = 3;
const VARS: u32 = 4;
const MAP: u32 = VARS;
const LIST: u32 = VARS + 1;
const SET: u32 = VARS + 2;

fn layout() -> Layout {
    let list = Element::Structure(Box::new(Structure::List(Element::Bytes)));
    Layout::with_kinds(
        4096,
        &[
            Kind::Bytes(8),
            Kind::Bytes(40),
            Kind::Bytes(300),
            Kind::Bytes(5000),
            Kind::Structure(Structure::Map(list)),
            Kind::Structure(Structure::List(Element::Bytes)),
            Kind::Structure(Structure::Set),
        ],
    )
    .expect("a valid layout")
}

fn address(c: usize) -> Address {
    Address::from_low_u64_be(0xc0 + c as u64)
}

#[derive(Clone, Debug)]
enum Op {
    Write { var: u32, fill: u8 },
    Push { key: u8, value: u8 },
    Remove { key: u8 },
    ClearMap,
    ListPush { value: u8 },
    ListPop,
    ClearList,
    Insert { member: u8 },
}

#[derive(Clone, Debug)]
enum Step {
    /// Ops on contract `c`; with `mirror`, on contracts 0 and 1 alike.
    Commit {
        ops: Vec<(usize, bool, Op)>,
        block: Option<Block>,
    },
    Reopen,
}

#[derive(Clone, Debug)]
struct Block {
    /// The same height as the block before (replacing it).
    again: bool,
    receipts: Vec<u8>,
}

#[derive(Clone, Debug)]
struct Case {
    keep: u64,
    steps: Vec<Step>,
}

impl Arbitrary for Op {
    fn arbitrary(g: &mut Gen) -> Self {
        let small = |g: &mut Gen| u8::arbitrary(g) % 4;
        match u8::arbitrary(g) % 12 {
            0..=2 => Op::Write {
                var: u32::from(u8::arbitrary(g)) % VARS,
                fill: small(g),
            },
            3..=4 => Op::Push {
                key: small(g),
                value: u8::arbitrary(g),
            },
            5 => Op::Remove { key: small(g) },
            6 => Op::ClearMap,
            7..=8 => Op::ListPush {
                value: u8::arbitrary(g),
            },
            9 => Op::ListPop,
            10 => Op::ClearList,
            _ => Op::Insert {
                member: u8::arbitrary(g) % 16,
            },
        }
    }
}

impl Arbitrary for Case {
    fn arbitrary(g: &mut Gen) -> Self {
        let keep = 1 + u64::arbitrary(g) % 16;
        let n = 1 + usize::arbitrary(g) % 40;
        let steps = (0..n)
            .map(|_| {
                if u8::arbitrary(g) % 12 == 0 {
                    return Step::Reopen;
                }
                let k = usize::arbitrary(g) % 8;
                let ops = (0..k)
                    .map(|_| {
                        (
                            usize::arbitrary(g) % CONTRACTS,
                            bool::arbitrary(g),
                            Op::arbitrary(g),
                        )
                    })
                    .collect();
                let block = bool::arbitrary(g).then(|| Block {
                    again: u8::arbitrary(g) % 3 == 0,
                    receipts: (0..usize::arbitrary(g) % 5)
                        .map(|_| u8::arbitrary(g) % 4)
                        .collect(),
                });
                Step::Commit { ops, block }
            })
            .collect();
        Case { keep, steps }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        let keep = self.keep;
        Box::new(self.steps.shrink().map(move |steps| Case { keep, steps }))
    }
}

impl Arbitrary for Step {
    fn arbitrary(_: &mut Gen) -> Self {
        Step::Reopen
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        match self {
            Step::Reopen => Box::new(std::iter::empty()),
            Step::Commit { ops, block } => {
                let block = block.clone();
                Box::new(ops.shrink().map(move |ops| Step::Commit {
                    ops,
                    block: block.clone(),
                }))
            }
        }
    }
}

/// One contract as the model has it.
#[derive(Clone, Debug, Default, PartialEq)]
struct Contract {
    vars: BTreeMap<u32, Vec<u8>>,
    map: BTreeMap<u8, Vec<Vec<u8>>>,
    list: Vec<Vec<u8>>,
    set: BTreeSet<u8>,
}

fn var_bytes(var: u32, fill: u8) -> Vec<u8> {
    let len = [8, 40, 300, 5000][var as usize];
    (0..len).map(|i| fill.wrapping_add((i % 7) as u8)).collect()
}

fn apply<K: KvStore>(
    s: &mut svm_state::Session<K>,
    m: &mut Contract,
    a: &Address,
    op: &Op,
) -> Result<(), StateError> {
    let map = StructurePath::variable(MAP);
    let list = StructurePath::variable(LIST);
    match *op {
        Op::Write { var, fill } => {
            let b = var_bytes(var, fill);
            s.write_variable(a, var, &b)?;
            m.vars.insert(var, b);
        }
        Op::Push { key, value } => {
            s.push(a, &map.child(PathKey::Key(vec![key])), &[value; 20])?;
            m.map.entry(key).or_default().push(vec![value; 20]);
        }
        Op::Remove { key } => {
            let had = s.remove(a, &map, &[key])?;
            assert_eq!(had, m.map.remove(&key).is_some());
        }
        Op::ClearMap => {
            s.clear(a, &map)?;
            m.map.clear();
        }
        Op::ListPush { value } => {
            s.push(a, &list, &[value; 50])?;
            m.list.push(vec![value; 50]);
        }
        Op::ListPop => {
            let had = s.pop(a, &list)?;
            assert_eq!(had, m.list.pop().is_some());
        }
        Op::ClearList => {
            s.clear(a, &list)?;
            m.list.clear();
        }
        Op::Insert { member } => {
            s.insert(a, &StructurePath::variable(SET), &[member; 33])?;
            m.set.insert(member);
        }
    }
    Ok(())
}

/// Compares the list at `path` with `want`.
fn list_matches<K: KvStore>(
    view: &View<K>,
    a: &Address,
    path: &StructurePath,
    want: &[Vec<u8>],
) -> Result<(), String> {
    let e = |e: StateError| e.to_string();
    if view.structure_len(a, path).map_err(e)? != want.len() as u64 {
        return Err("length differs".into());
    }
    for (i, v) in want.iter().enumerate() {
        let got = view
            .element(a, path, &PathKey::Index(i as u32))
            .map_err(e)?;
        if got.as_ref() != Some(v) {
            return Err(format!("element {i} differs"));
        }
    }
    Ok(())
}

/// Reads the contract back from `view` and compares it with `m`.
fn read_back<K: KvStore>(view: &View<K>, a: &Address, m: &Contract) -> Result<(), String> {
    let e = |e: StateError| e.to_string();
    for var in 0..VARS {
        let want = m
            .vars
            .get(&var)
            .cloned()
            .unwrap_or_else(|| vec![0; var_bytes(var, 0).len()]);
        if view.variable(a, var).map_err(e)? != want {
            return Err(format!("variable {var} differs"));
        }
    }
    let map = StructurePath::variable(MAP);
    if view.structure_len(a, &map).map_err(e)? != m.map.len() as u64 {
        return Err("map length differs".into());
    }
    for key in 0..4u8 {
        let path = map.child(PathKey::Key(vec![key]));
        let want = m.map.get(&key).map_or(&[][..], Vec::as_slice);
        list_matches(view, a, &path, want).map_err(|e| format!("list {key}: {e}"))?;
    }
    list_matches(view, a, &StructurePath::variable(LIST), &m.list)
        .map_err(|e| format!("list: {e}"))?;
    let set = StructurePath::variable(SET);
    if view.structure_len(a, &set).map_err(e)? != m.set.len() as u64 {
        return Err("set length differs".into());
    }
    for member in 0..16u8 {
        if view.contains(a, &set, &[member; 33]).map_err(e)? != m.set.contains(&member) {
            return Err(format!("set member {member} differs"));
        }
    }
    Ok(())
}

fn receipts(bytes: &[u8]) -> (H256, svm_trie::NodeSet) {
    let mut t = TrieMut::new(MemoryStore::new());
    t.apply(
        bytes
            .iter()
            .enumerate()
            .map(|(i, b)| (vec![i as u8], vec![*b; 40 + usize::from(*b)])),
    )
    .expect("receipts");
    let c = t.commit().expect("receipts");
    (c.root, c.nodes)
}

/// Every kept root checks and reads back; every other one is pruned; the
/// counts are exact.
fn verify<K: KvStore>(
    db: &StateDb<K>,
    keep: u64,
    history: &[(H256, Vec<Contract>)],
) -> Result<(), String> {
    let head = db.head().seq;
    let kept_from = (head + 1).saturating_sub(keep).max(1);
    let kept: BTreeSet<H256> = (kept_from..=head)
        .map(|s| history[s as usize - 1].0)
        .collect();
    for seq in 1..=head {
        let (root, model) = &history[seq as usize - 1];
        if seq < kept_from {
            match db.at(*root) {
                Err(StateError::Pruned { .. }) if !kept.contains(root) => {}
                Ok(_) if kept.contains(root) => {}
                other => {
                    return Err(format!(
                        "commit {seq} below the window: {:?}",
                        other.map(|_| ())
                    ));
                }
            }
            continue;
        }
        db.check(*root)
            .map_err(|e| format!("commit {seq} (head {head}): {e}"))?;
        let view = db.at(*root).map_err(|e| e.to_string())?;
        for (c, m) in model.iter().enumerate() {
            read_back(&view, &address(c), m).map_err(|e| format!("commit {seq}: {e}"))?;
        }
    }
    let audit = db.audit_refs().map_err(|e| e.to_string())?;
    if !audit.is_clean() {
        return Err(format!("after commit {head}: {audit:?}"));
    }
    Ok(())
}

fn run<K: KvStore>(case: &Case, open: &dyn Fn() -> StateDb<K>) -> Result<(), String> {
    let mut db = open();
    let layout = layout();
    let code = module_declaring(&layout);
    let mut models = vec![Contract::default(); CONTRACTS];
    let mut history: Vec<(H256, Vec<Contract>)> = Vec::new();
    let mut height = 0u64;
    {
        let mut s = db.begin().map_err(|e| e.to_string())?;
        for c in 0..CONTRACTS {
            s.create_contract(&address(c), &code, 0u64.into())
                .map_err(|e| e.to_string())?;
        }
        let out = s.commit().map_err(|e| e.to_string())?;
        history.push((out.head.root, models.clone()));
    }
    for step in &case.steps {
        let Step::Commit { ops, block } = step else {
            drop(db);
            db = open();
            continue;
        };
        let mut s = db.begin().map_err(|e| e.to_string())?;
        for (c, mirror, op) in ops {
            let targets: &[usize] = if *mirror { &[0, 1] } else { &[*c] };
            for &t in targets {
                apply(&mut s, &mut models[t], &address(t), op).map_err(|e| e.to_string())?;
            }
        }
        let out = match block {
            None => s.commit().map_err(|e| e.to_string())?,
            Some(b) => {
                if !b.again || height == 0 {
                    height += 1;
                }
                let (root, nodes) = receipts(&b.receipts);
                let record = BlockRecord {
                    height,
                    time: height,
                    receipts_root: root,
                    receipts: b.receipts.len() as u64,
                };
                s.commit_block(record, nodes, &[])
                    .map_err(|e| e.to_string())?
                    .0
            }
        };
        history.push((out.head.root, models.clone()));
        verify(&db, case.keep, &history)?;
    }
    // Once the window has passed and the sweep is done, only the head's
    // nodes and the receipts' are left.
    for _ in 0..case.keep + 64 {
        let out = db
            .begin()
            .and_then(|s| s.commit())
            .map_err(|e| e.to_string())?;
        history.push((out.head.root, models.clone()));
        if out.pruned.sweep_pending == 0 && out.head.seq > case.keep + 2 {
            break;
        }
    }
    verify(&db, case.keep, &history)
}

fn config(keep: u64) -> StateConfig {
    StateConfig {
        history: History::Recent(keep),
        ..StateConfig::default()
    }
}

#[test]
fn pruning_keeps_exactly_the_window_in_memory() {
    fn prop(case: Case) -> bool {
        let kv = std::sync::Arc::new(MemoryKv::new());
        let open = || StateDb::open(kv.clone(), &config(case.keep)).expect("open");
        match run(&case, &open) {
            Ok(()) => true,
            Err(e) => {
                eprintln!("{e}");
                false
            }
        }
    }
    QuickCheck::new()
        .tests(60)
        .quickcheck(prop as fn(Case) -> bool);
}

#[test]
fn pruning_keeps_exactly_the_window_on_rocksdb() {
    fn prop(case: Case) -> bool {
        let dir = tempfile::tempdir().expect("tempdir");
        let open = || {
            let kv = RocksKv::open(dir.path(), &Default::default()).expect("rocksdb");
            StateDb::open(kv, &config(case.keep)).expect("open")
        };
        match run(&case, &open) {
            Ok(()) => true,
            Err(e) => {
                eprintln!("{e}");
                false
            }
        }
    }
    QuickCheck::new()
        .tests(15)
        .quickcheck(prop as fn(Case) -> bool);
}

fn fill<K: KvStore>(s: &mut svm_state::Session<K>, a: &Address, m: &mut Contract, seed: u8) {
    for (i, op) in [
        Op::Write { var: 3, fill: seed },
        Op::Push {
            key: 1,
            value: seed,
        },
        Op::Push {
            key: 1,
            value: seed.wrapping_add(1),
        },
        Op::Push {
            key: 2,
            value: seed,
        },
        Op::ListPush { value: seed },
        Op::Insert { member: seed % 16 },
    ]
    .iter()
    .enumerate()
    {
        apply(s, m, a, op).unwrap_or_else(|e| panic!("op {i}: {e}"));
    }
}

fn nodes_stored<K: KvStore>(db: &StateDb<K>) -> usize {
    db.kv()
        .iter_prefix(svm_state::kv::Column::Nodes, b"")
        .expect("scan")
        .len()
}

/// Two contracts with identical storage share every node of it. Dropping
/// one's structures, dropping the other's, and creating the same content
/// again — inside the window, as it leaves the window, and after it left —
/// never loses a node a kept root reaches, and leaves nothing behind.
#[test]
fn identical_subtrees_dropped_and_recreated_across_the_window_are_never_lost() {
    let keep = 3;
    let db = StateDb::open(MemoryKv::new(), &config(keep)).expect("open");
    let code = module_declaring(&layout());
    let (a, b) = (address(0), address(1));
    let mut models = vec![Contract::default(); 2];
    let mut history: Vec<(H256, Vec<Contract>)> = Vec::new();
    let mut commit =
        |db: &StateDb<MemoryKv>,
         models: &mut Vec<Contract>,
         f: &mut dyn FnMut(&mut svm_state::Session<MemoryKv>, &mut Vec<Contract>)| {
            let mut s = db.begin().expect("begin");
            f(&mut s, models);
            let out = s.commit().expect("commit");
            history.push((out.head.root, models.clone()));
            let view = db.at(out.head.root).expect("head");
            assert!(history.len() >= out.head.seq as usize);
            verify(db, keep, &history).unwrap_or_else(|e| panic!("{e}"));
            for (i, m) in models.iter().enumerate() {
                read_back(&view, &address(i), m).unwrap_or_else(|e| panic!("{e}"));
            }
            out
        };
    commit(&db, &mut models, &mut |s, m| {
        for (i, who) in [a, b].iter().enumerate() {
            s.create_contract(who, &code, 0u64.into()).expect("create");
            fill(s, who, &mut m[i], 7);
        }
    });
    let a_storage = |db: &StateDb<MemoryKv>| {
        let head = db.head().root;
        db.at(head)
            .unwrap()
            .account(&a)
            .unwrap()
            .unwrap()
            .storage_root
    };
    let shared_root = a_storage(&db);
    assert_eq!(
        db.at(db.head().root)
            .unwrap()
            .account(&b)
            .unwrap()
            .unwrap()
            .storage_root,
        shared_root,
        "identical storage, one trie"
    );
    let before = nodes_stored(&db);
    // A drops its structures; B still reaches every node.
    commit(&db, &mut models, &mut |s, m| {
        apply(s, &mut m[0], &a, &Op::ClearMap).unwrap();
        apply(s, &mut m[0], &a, &Op::ClearList).unwrap();
    });
    for _ in 0..keep + 1 {
        commit(&db, &mut models, &mut |_, _| {});
    }
    // A creates the same content again while B still holds it.
    commit(&db, &mut models, &mut |s, m| {
        apply(s, &mut m[0], &a, &Op::ClearMap).unwrap();
        fill(s, &a, &mut m[0], 7);
    });
    // Both drop it, then A re-creates it while the drop is in the window,
    // then again after the drop left the window.
    commit(&db, &mut models, &mut |s, m| {
        for (i, who) in [a, b].iter().enumerate() {
            apply(s, &mut m[i], who, &Op::ClearMap).unwrap();
            apply(s, &mut m[i], who, &Op::ClearList).unwrap();
        }
    });
    commit(&db, &mut models, &mut |s, m| fill(s, &a, &mut m[0], 7));
    commit(&db, &mut models, &mut |s, m| {
        apply(s, &mut m[0], &a, &Op::ClearMap).unwrap();
        apply(s, &mut m[0], &a, &Op::ClearList).unwrap();
    });
    for _ in 0..keep + 1 {
        commit(&db, &mut models, &mut |_, _| {});
    }
    let dropped = nodes_stored(&db);
    assert!(dropped < before, "{dropped} nodes stored, {before} before");
    commit(&db, &mut models, &mut |s, m| {
        fill(s, &a, &mut m[0], 7);
        fill(s, &b, &mut m[1], 7);
    });
    assert_eq!(a_storage(&db), shared_root, "the same trie again");
}

/// A root that leaves the window is reported pruned by every reader; a
/// root committed again inside the window stays readable under its latest
/// commit.
#[test]
fn pruned_roots_are_reported_as_pruned() {
    let db = StateDb::open(MemoryKv::new(), &config(2)).expect("open");
    let code = module_declaring(&layout());
    let a = address(0);
    let mut s = db.begin().unwrap();
    s.create_contract(&a, &code, 0u64.into()).unwrap();
    let first = s.commit().unwrap().head;
    let mut roots = vec![first.root];
    for i in 1..=3u8 {
        let mut s = db.begin().unwrap();
        s.write_variable(&a, 0, &[i; 8]).unwrap();
        roots.push(s.commit().unwrap().head.root);
    }
    assert_eq!(db.kept_from(), 3);
    for old in &roots[..2] {
        match db.at(*old) {
            Err(StateError::Pruned {
                root, kept_from, ..
            }) => assert_eq!((root, kept_from), (*old, 3)),
            other => panic!("{:?}", other.map(|_| ())),
        }
        assert!(matches!(
            db.check(*old),
            Err(svm_state::check::CheckError::Pruned { .. })
        ));
    }
    let unknown = H256::repeat_byte(9);
    assert!(matches!(db.at(unknown), Err(StateError::UnknownRoot(_))));
    // Writing the first value back recreates an old root: readable again.
    let mut s = db.begin().unwrap();
    s.write_variable(&a, 0, &[0; 8]).unwrap();
    let again = s.commit().unwrap().head;
    assert_eq!(again.root, first.root);
    assert_eq!(db.seq_of(&first.root).unwrap(), Some(again.seq));
    assert_eq!(db.at(first.root).unwrap().variable(&a, 0).unwrap(), [0; 8]);
    db.check(first.root).unwrap();
    assert_eq!(db.history(), History::Recent(2));
}

/// The mode is the database's: an archive database stays one whatever it
/// is opened with, a pruning one keeps pruning (with the window asked for).
#[test]
fn the_history_mode_is_chosen_at_creation() {
    let dir = tempfile::tempdir().unwrap();
    let open = |h: History| {
        StateDb::open_rocks(
            dir.path(),
            &StateConfig {
                history: h,
                ..StateConfig::default()
            },
        )
        .unwrap()
    };
    {
        let db = open(History::Archive);
        db.begin().unwrap().commit().unwrap();
    }
    assert_eq!(open(History::Recent(4)).history(), History::Archive);
    let dir2 = tempfile::tempdir().unwrap();
    let open2 = |h: History| {
        StateDb::open_rocks(
            dir2.path(),
            &StateConfig {
                history: h,
                ..StateConfig::default()
            },
        )
        .unwrap()
    };
    {
        let db = open2(History::Recent(4));
        db.begin().unwrap().commit().unwrap();
    }
    assert_eq!(open2(History::Archive).history(), History::Recent(4));
    assert_eq!(open2(History::Recent(9)).history(), History::Recent(9));
}

/// Clearing a list of 30,000 elements drops a trie of about 32,000 nodes
/// in O(1); the sweep takes it apart over several commits (at most
/// `SWEEP_PER_COMMIT` occurrences each, plus twice what a commit adds),
/// every count exact after each, until nothing of it is left.
#[test]
fn a_large_dropped_structure_is_swept_over_several_commits() {
    let db = StateDb::open(MemoryKv::new(), &config(1)).expect("open");
    let code = module_declaring(&layout());
    let a = address(0);
    let list = StructurePath::variable(LIST);
    let mut s = db.begin().unwrap();
    s.create_contract(&a, &code, 0u64.into()).unwrap();
    for i in 0..30_000u32 {
        s.push(&a, &list, &[i.to_be_bytes().as_slice(), &[7; 36]].concat())
            .unwrap();
    }
    s.commit().unwrap();
    let full = nodes_stored(&db);
    assert!(full > 30_000, "{full} nodes");
    let mut s = db.begin().unwrap();
    s.clear(&a, &list).unwrap();
    let out = s.commit().unwrap();
    assert_eq!(out.pruned.dropped, 1);
    let mut sweeps = vec![out.pruned.swept];
    let mut pending = out.pruned.sweep_pending;
    while pending > 0 {
        let out = db.begin().unwrap().commit().unwrap();
        assert!(out.pruned.swept <= svm_state::prune::SWEEP_PER_COMMIT);
        sweeps.push(out.pruned.swept);
        pending = out.pruned.sweep_pending;
        let audit = db.audit_refs().unwrap();
        assert!(audit.is_clean(), "{audit:?}");
        assert!(sweeps.len() < 10, "{sweeps:?}");
    }
    assert!(sweeps.len() >= 2, "one commit swept it all: {sweeps:?}");
    assert!(nodes_stored(&db) < 50, "{} nodes left", nodes_stored(&db));
    let view = db.at(db.head().root).unwrap();
    assert_eq!(view.structure_len(&a, &list).unwrap(), 0);
}
