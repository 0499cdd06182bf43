//! The structure benchmark: one contract with a list, a map and a sorted set
//! of `elements` entries each on RocksDB; operations per second on them,
//! and clearing each (which must not depend on its size).

use std::time::Instant;

use svm_state::code::module_declaring;
use svm_state::kv::RocksKv;
use svm_state::layout::{Kind, Layout};
use svm_state::structure::{Element, PathKey, Structure};
use svm_state::{Address, StateConfig, StateDb, StructurePath};

use crate::report::{Table, count, micros};
use svm_tests::Rng;

/// Sizes of the run.
pub(crate) struct Config {
    /// Elements in each structure.
    pub(crate) elements: usize,
    /// Operations timed per row.
    pub(crate) ops: usize,
}

const C: Address = Address::repeat_byte(0x5b);
const LIST: u32 = 0;
const MAP: u32 = 1;
const SORTED: u32 = 2;

fn layout() -> Layout {
    Layout::with_kinds(
        4096,
        &[
            Kind::Structure(Structure::List(Element::Bytes)),
            Kind::Structure(Structure::Map(Element::Bytes)),
            Kind::Structure(Structure::SortedSet),
        ],
    )
    .expect("layout")
}

fn key(i: u64) -> Vec<u8> {
    i.to_be_bytes().to_vec()
}

/// Runs the structure measurements and returns the result tables.
pub(crate) fn run(cfg: &Config) -> Vec<Table> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = StateDb::open_rocks(dir.path(), &StateConfig::default()).expect("database");
    let built = build(&db, cfg);
    vec![operations(&db, cfg, built), clearing(&db, cfg)]
}

/// Fills the three structures in commits of 100,000; returns the seconds.
fn build(db: &StateDb<RocksKv>, cfg: &Config) -> f64 {
    let t = Instant::now();
    let mut s = db.begin().expect("session");
    s.create_contract(&C, &module_declaring(&layout()), 0u64.into())
        .expect("create");
    s.commit().expect("commit");
    let (list, map, sorted) = paths();
    let mut done = 0;
    while done < cfg.elements {
        let mut s = db.begin().expect("session");
        for i in done..(done + 100_000).min(cfg.elements) {
            let i = i as u64;
            s.push(&C, &list, &[7; 32]).expect("push");
            s.set_element(&C, &map, &PathKey::Key(key(i)), &[7; 32])
                .expect("set");
            s.insert(&C, &sorted, &key(i)).expect("insert");
        }
        s.commit().expect("commit");
        done = (done + 100_000).min(cfg.elements);
    }
    t.elapsed().as_secs_f64()
}

fn paths() -> (StructurePath, StructurePath, StructurePath) {
    (
        StructurePath::variable(LIST),
        StructurePath::variable(MAP),
        StructurePath::variable(SORTED),
    )
}

/// Per-operation times on the full structures, each row in a fresh session
/// committed at its end (the commit's time included).
fn operations(db: &StateDb<RocksKv>, cfg: &Config, built: f64) -> Table {
    let (list, map, sorted) = paths();
    let n = cfg.elements as u64;
    let mut rng = Rng::new(3);
    let mut table = Table::new(
        &format!(
            "Structures of {} elements on RocksDB (built in {:.1} s): {} operations per row, one session and its commit",
            count(cfg.elements as f64),
            built,
            count(cfg.ops as f64)
        ),
        &["operation", "per operation", "operations/s"],
    );
    let mut row = |name: &str, op: &mut dyn FnMut(&mut svm_state::Session<RocksKv>, u64)| {
        let t = Instant::now();
        let mut s = db.begin().expect("session");
        for _ in 0..cfg.ops {
            op(&mut s, rng.below(n as usize) as u64);
        }
        s.commit().expect("commit");
        let per = t.elapsed().as_secs_f64() / cfg.ops as f64;
        table.row(vec![name.into(), micros(per), count(1.0 / per)]);
    };
    row("list get", &mut |s, i| {
        std::hint::black_box(
            s.element(&C, &list, &PathKey::Index(i as u32))
                .expect("get"),
        );
    });
    row("list set", &mut |s, i| {
        s.set_element(&C, &list, &PathKey::Index(i as u32), &[9; 32])
            .expect("set");
    });
    row("list push", &mut |s, _| {
        s.push(&C, &list, &[1; 32]).expect("push");
    });
    row("map get", &mut |s, i| {
        std::hint::black_box(s.element(&C, &map, &PathKey::Key(key(i))).expect("get"));
    });
    row("map set", &mut |s, i| {
        s.set_element(&C, &map, &PathKey::Key(key(i)), &[9; 32])
            .expect("set");
    });
    row("sorted set: next member >= a random key", &mut |s, i| {
        std::hint::black_box(s.next_member(&C, &sorted, &key(i)).expect("next"));
    });
    row("sorted set: a range of 100 members", &mut |s, i| {
        let page = s.entries(&C, &sorted, &key(i), 100).expect("range");
        std::hint::black_box(page.entries.len());
    });
    table
}

/// Clearing each structure: a session that clears it and commits.
fn clearing(db: &StateDb<RocksKv>, cfg: &Config) -> Table {
    let (list, map, sorted) = paths();
    let mut table = Table::new(
        &format!(
            "Clearing a structure of {} elements (clear + commit)",
            count(cfg.elements as f64)
        ),
        &["structure", "time"],
    );
    for (name, path) in [("list", list), ("map", map), ("sorted set", sorted)] {
        let t = Instant::now();
        let mut s = db.begin().expect("session");
        let before = s.structure_len(&C, &path).expect("len");
        s.clear(&C, &path).expect("clear");
        s.commit().expect("commit");
        let took = t.elapsed().as_secs_f64();
        assert!(before >= cfg.elements as u64);
        table.row(vec![name.into(), micros(took)]);
    }
    table
}
