//! Random sequences of variable writes, reads, checkpoints, commits, discards and
//! reopenings over random layouts and page sizes, against a model (each
//! contract's variables as byte strings), on the in-memory and the RocksDB
//! backends. Committed roots must equal roots computed from scratch from the
//! model; discarded work must leave the head unchanged; every committed root
//! stays readable and passes `check`.

use std::sync::Arc;

use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};
use svm_state::code::{code_hash, module_declaring};
use svm_state::kv::{KvStore, MemoryKv, RocksKv};
use svm_state::layout::Layout;
use svm_state::page::{page_key, trimmed};
use svm_state::{Account, Address, StateConfig, StateDb, StateError, account_key};
use svm_trie::{H256, root_of};

#[derive(Clone, Debug)]
struct Spec {
    page_size: u32,
    sizes: Vec<u32>,
}

impl Spec {
    fn layout(&self) -> Layout {
        Layout::new(self.page_size, &self.sizes).expect("generated layouts are valid")
    }
}

#[derive(Clone, Debug)]
enum Op {
    Write { c: u8, var: u16, fill: u8, step: u8 },
    Read { c: u8, var: u16 },
    Page { c: u8, page: u8 },
    Checkpoint,
    CommitCheckpoint,
    RevertCheckpoint,
    Commit,
    Discard,
    Reopen,
}

#[derive(Clone, Debug)]
struct Case {
    specs: Vec<Spec>,
    ops: Vec<Op>,
}

fn pick<T: Copy>(g: &mut Gen, items: &[T]) -> T {
    *g.choose(items).expect("non-empty")
}

impl Arbitrary for Case {
    fn arbitrary(g: &mut Gen) -> Self {
        let contracts = 1 + usize::arbitrary(g) % 3;
        let specs = (0..contracts)
            .map(|_| {
                let page_size = pick(g, &[32, 48, 64, 4096]);
                let n = 1 + usize::arbitrary(g) % 12;
                let sizes = (0..n)
                    .map(|_| match u8::arbitrary(g) % 8 {
                        // Now and then longer than a page.
                        0 => 1 + u32::arbitrary(g) % (2 * page_size + 10),
                        1 => page_size,
                        _ => 1 + u32::arbitrary(g) % 40,
                    })
                    .collect();
                Spec { page_size, sizes }
            })
            .collect();
        let len = usize::arbitrary(g) % 60;
        let ops = (0..len)
            .map(|_| match u8::arbitrary(g) % 20 {
                0..=6 => {
                    let (any_fill, any_step) = (u8::arbitrary(g), u8::arbitrary(g));
                    Op::Write {
                        c: u8::arbitrary(g),
                        var: u16::arbitrary(g),
                        // Zero fills clear pages (their leaves disappear).
                        fill: pick(g, &[0, 0, 1, 0xff, any_fill]),
                        step: pick(g, &[0, 1, any_step]),
                    }
                }
                7..=9 => Op::Read {
                    c: u8::arbitrary(g),
                    var: u16::arbitrary(g),
                },
                10 => Op::Page {
                    c: u8::arbitrary(g),
                    page: u8::arbitrary(g),
                },
                11 | 12 => Op::Checkpoint,
                13 => Op::CommitCheckpoint,
                14 | 15 => Op::RevertCheckpoint,
                16 | 17 => Op::Commit,
                18 => Op::Discard,
                _ => Op::Reopen,
            })
            .collect();
        Case { specs, ops }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Self>> {
        // Drop one op at a time, from the end.
        let case = self.clone();
        Box::new((0..self.ops.len()).rev().map(move |i| {
            let mut smaller = case.clone();
            smaller.ops.remove(i);
            smaller
        }))
    }
}

/// Each contract's variables.
type Model = Vec<Vec<Vec<u8>>>;

fn address(c: usize) -> Address {
    Address::from_low_u64_be(0x5000 + c as u64)
}

fn bytes(len: u32, fill: u8, step: u8) -> Vec<u8> {
    (0..len)
        .map(|i| fill.wrapping_add((i as u8).wrapping_mul(step)))
        .collect()
}

/// The pages of a contract holding `values`, straight from the layout.
fn model_pages(spec: &Spec, values: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let layout = spec.layout();
    let ps = spec.page_size as usize;
    let mut flat = vec![0u8; layout.pages() as usize * ps];
    for (i, v) in values.iter().enumerate() {
        let s = layout.placement(i).unwrap();
        let at = s.page as usize * ps + s.offset as usize;
        flat[at..at + v.len()].copy_from_slice(v);
    }
    flat.chunks(ps).map(<[u8]>::to_vec).collect()
}

/// The world root of the model, computed from scratch.
fn model_root(specs: &[Spec], model: &Model) -> H256 {
    let accounts = specs
        .iter()
        .zip(model)
        .enumerate()
        .map(|(c, (spec, values))| {
            let pages = model_pages(spec, values);
            let storage_root = root_of(
                pages
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (page_key(i as u32), trimmed(p).to_vec())),
            )
            .unwrap();
            let account = Account {
                storage_root,
                code_hash: code_hash(&module_declaring(&spec.layout())),
                ..Account::default()
            };
            (account_key(&address(c)), account.encode())
        });
    root_of(accounts).unwrap()
}

fn run<K: KvStore>(case: &Case, open: &dyn Fn() -> StateDb<K>) -> Result<(), String> {
    let specs = &case.specs;
    let mut db = open();
    let mut s = db.begin().map_err(|e| e.to_string())?;
    for (c, spec) in specs.iter().enumerate() {
        s.create_contract(&address(c), &module_declaring(&spec.layout()), 0u64.into())
            .map_err(|e| e.to_string())?;
    }
    let mut committed: Model = specs
        .iter()
        .map(|spec| spec.sizes.iter().map(|&n| vec![0; n as usize]).collect())
        .collect();
    let out = s.commit().map_err(|e| e.to_string())?;
    if out.head.root != model_root(specs, &committed) {
        return Err("root after creating the contracts".into());
    }
    let mut history = vec![(out.head.root, committed.clone())];
    let mut pending = committed.clone();
    let mut checkpoints: Vec<Model> = Vec::new();
    let mut s = db.begin().map_err(|e| e.to_string())?;
    for op in &case.ops {
        match *op {
            Op::Write { c, var, fill, step } => {
                let c = c as usize % specs.len();
                let var = var as usize % specs[c].sizes.len();
                let v = bytes(specs[c].sizes[var], fill, step);
                s.write_variable(&address(c), var as u32, &v)
                    .map_err(|e| e.to_string())?;
                pending[c][var] = v;
                if s.variable(&address(c), var as u32)
                    .map_err(|e| e.to_string())?
                    != pending[c][var]
                {
                    return Err(format!("read after write of {c}/{var}"));
                }
            }
            Op::Read { c, var } => {
                let c = c as usize % specs.len();
                let var = var as usize % specs[c].sizes.len();
                let got = s
                    .variable(&address(c), var as u32)
                    .map_err(|e| e.to_string())?;
                if got != pending[c][var] {
                    return Err(format!(
                        "read of {c}/{var}: {got:?} != {:?}",
                        pending[c][var]
                    ));
                }
            }
            Op::Page { c, page } => {
                let c = c as usize % specs.len();
                let pages = model_pages(&specs[c], &pending[c]);
                let i = page as usize % (pages.len() + 1);
                match (s.page(&address(c), i as u32), pages.get(i)) {
                    (Ok(got), Some(want)) if got == *want => {}
                    (Err(StateError::NoSuchPage { .. }), None) => {}
                    (got, want) => return Err(format!("page {c}/{i}: {got:?} vs {want:?}")),
                }
            }
            Op::Checkpoint => {
                s.checkpoint();
                checkpoints.push(pending.clone());
            }
            Op::CommitCheckpoint => match (s.commit_checkpoint(), checkpoints.pop()) {
                (Ok(()), Some(_)) | (Err(StateError::NoCheckpoint), None) => {}
                (r, _) => return Err(format!("commit_checkpoint: {r:?}")),
            },
            Op::RevertCheckpoint => match (s.revert_checkpoint(), checkpoints.pop()) {
                (Ok(()), Some(m)) => pending = m,
                (Err(StateError::NoCheckpoint), None) => {}
                (r, _) => return Err(format!("revert_checkpoint: {r:?}")),
            },
            Op::Commit => {
                let out = s.commit().map_err(|e| e.to_string())?;
                committed = pending.clone();
                checkpoints.clear();
                let want = model_root(specs, &committed);
                if out.head.root != want || db.head() != out.head {
                    return Err(format!(
                        "committed root {:#x} != model {want:#x}",
                        out.head.root
                    ));
                }
                history.push((want, committed.clone()));
                s = db.begin().map_err(|e| e.to_string())?;
            }
            Op::Discard | Op::Reopen => {
                drop(s);
                if matches!(op, Op::Reopen) {
                    drop(db);
                    db = open();
                }
                pending = committed.clone();
                checkpoints.clear();
                let head = db.head();
                if head.root != history.last().unwrap().0 || head.seq != history.len() as u64 {
                    return Err(format!("head after discard/reopen: {head:?}"));
                }
                s = db.begin().map_err(|e| e.to_string())?;
            }
        }
    }
    drop(s);
    // Every committed state is still readable, and passes check.
    for (root, model) in &history {
        let view = db.at(*root).map_err(|e| e.to_string())?;
        for (c, values) in model.iter().enumerate() {
            for (var, want) in values.iter().enumerate() {
                let got = view
                    .variable(&address(c), var as u32)
                    .map_err(|e| e.to_string())?;
                if got != want.as_slice() {
                    return Err(format!("historical read {c}/{var} at {root:#x}"));
                }
            }
        }
        // A view of a past root has no method that writes (it does not compile).
        db.check(*root).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn result(r: Result<(), String>) -> TestResult {
    match r {
        Ok(()) => TestResult::passed(),
        Err(e) => TestResult::error(e),
    }
}

#[test]
fn variables_match_the_model_in_memory() {
    fn prop(case: Case) -> TestResult {
        let kv = Arc::new(MemoryKv::new());
        result(run(&case, &|| {
            StateDb::open(kv.clone(), &StateConfig::default()).unwrap()
        }))
    }
    QuickCheck::new()
        .tests(300)
        .quickcheck(prop as fn(Case) -> TestResult);
}

/// Runs `case` on a fresh RocksDB database opened with `config`.
fn on_rocksdb(case: &Case, config: StateConfig) -> TestResult {
    let dir = tempfile::tempdir().unwrap();
    result(run(case, &|| {
        StateDb::<RocksKv>::open_rocks(dir.path(), &config).unwrap()
    }))
}

#[test]
fn variables_match_the_model_on_rocksdb() {
    fn prop(case: Case) -> TestResult {
        let config = StateConfig {
            node_cache_bytes: 1 << 16,
            ..StateConfig::default()
        };
        on_rocksdb(&case, config)
    }
    QuickCheck::new()
        .tests(40)
        .quickcheck(prop as fn(Case) -> TestResult);
}

/// Write-behind: reads during a background write see it, and a node cache
/// of size zero forces them through the pending batch.
#[test]
fn variables_match_the_model_on_rocksdb_with_write_behind() {
    fn prop(case: Case) -> TestResult {
        let config = StateConfig {
            node_cache_bytes: 0,
            write_behind: true,
            ..StateConfig::default()
        };
        on_rocksdb(&case, config)
    }
    QuickCheck::new()
        .tests(40)
        .quickcheck(prop as fn(Case) -> TestResult);
}
