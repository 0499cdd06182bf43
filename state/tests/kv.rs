//! The key-value layer and the node store, on both backends.

use std::collections::BTreeMap;

use quickcheck::{Arbitrary, Gen, QuickCheck};
use svm_state::Store;
use svm_state::kv::{Column, KvStore, MemoryKv, RocksConfig, RocksKv, WriteBatch};
use svm_trie::{MemoryStore, TrieMut};

fn rocks(dir: &tempfile::TempDir) -> RocksKv {
    RocksKv::open(
        dir.path(),
        &RocksConfig {
            memory_budget_mib: 8,
            // Every other batch syncs the write-ahead log: both paths run.
            sync_every: 2,
            read_only: false,
        },
    )
    .expect("open rocksdb")
}

/// One change: column number, key, and the new value or `None` to delete.
type Update = (u8, Vec<u8>, Option<Vec<u8>>);

/// A random sequence of batches over a few keys in every column.
#[derive(Clone, Debug)]
struct Batches(Vec<Vec<Update>>);

impl Arbitrary for Batches {
    fn arbitrary(g: &mut Gen) -> Self {
        let n = usize::arbitrary(g) % 8;
        Batches(
            (0..n)
                .map(|_| {
                    let m = usize::arbitrary(g) % 12;
                    (0..m)
                        .map(|_| {
                            let col = u8::arbitrary(g) % 3;
                            let len = usize::arbitrary(g) % 3;
                            let key: Vec<u8> = (0..len)
                                .map(|_| *g.choose(&[0u8, 1, 0xff]).unwrap())
                                .collect();
                            let value = bool::arbitrary(g).then(|| Vec::<u8>::arbitrary(g));
                            (col, key, value)
                        })
                        .collect()
                })
                .collect(),
        )
    }
}

/// Applies the batches to a store and a model; every get and prefix scan agrees.
fn check_against_model(kv: &dyn KvStore, batches: &Batches) {
    let mut model: BTreeMap<(Column, Vec<u8>), Vec<u8>> = BTreeMap::new();
    for batch in &batches.0 {
        let mut wb = WriteBatch::new();
        for (col, key, value) in batch {
            let col = Column::ALL[usize::from(*col)];
            match value {
                Some(v) => {
                    wb.put(col, key, v);
                    model.insert((col, key.clone()), v.clone());
                }
                None => {
                    wb.delete(col, key);
                    model.remove(&(col, key.clone()));
                }
            }
        }
        kv.write(wb).unwrap();
    }
    for col in Column::ALL {
        for key in [
            vec![],
            vec![0],
            vec![1],
            vec![0xff],
            vec![0, 0],
            vec![0xff, 1],
        ] {
            assert_eq!(
                kv.get(col, &key).unwrap(),
                model.get(&(col, key.clone())).cloned()
            );
            let want: Vec<(Vec<u8>, Vec<u8>)> = model
                .iter()
                .filter(|((c, k), _)| *c == col && k.starts_with(&key))
                .map(|((_, k), v)| (k.clone(), v.clone()))
                .collect();
            assert_eq!(
                kv.iter_prefix(col, &key).unwrap(),
                want,
                "{col:?} prefix {key:?}"
            );
            // Paged scans, from every starting point and page size, see
            // the same entries.
            for limit in [1, 2, 5] {
                let mut paged = Vec::new();
                let mut after: Option<Vec<u8>> = None;
                loop {
                    let page = kv.scan(col, &key, after.as_deref(), limit).unwrap();
                    assert!(page.len() <= limit);
                    let Some(last) = page.last() else { break };
                    after = Some(last.0.clone());
                    paged.extend(page);
                }
                assert_eq!(paged, want, "{col:?} paged prefix {key:?}");
            }
            for after in [vec![], vec![0], vec![0xff, 0xff]] {
                let tail: Vec<_> = want.iter().filter(|(k, _)| *k > after).cloned().collect();
                assert_eq!(kv.scan(col, &key, Some(&after), usize::MAX).unwrap(), tail);
            }
        }
    }
}

#[test]
fn memory_backend_matches_model() {
    fn prop(b: Batches) -> bool {
        check_against_model(&MemoryKv::new(), &b);
        true
    }
    QuickCheck::new()
        .tests(200)
        .quickcheck(prop as fn(Batches) -> bool);
}

#[test]
fn rocksdb_backend_matches_model() {
    fn prop(b: Batches) -> bool {
        let dir = tempfile::tempdir().unwrap();
        check_against_model(&rocks(&dir), &b);
        true
    }
    QuickCheck::new()
        .tests(30)
        .quickcheck(prop as fn(Batches) -> bool);
}

#[test]
fn rocksdb_persists_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let kv = rocks(&dir);
        let mut wb = WriteBatch::new();
        wb.put(Column::Meta, b"head", b"root-1");
        wb.put(Column::Code, b"c", b"wasm");
        kv.write(wb).unwrap();
    }
    let kv = rocks(&dir);
    assert_eq!(
        kv.get(Column::Meta, b"head").unwrap(),
        Some(b"root-1".to_vec())
    );
    assert_eq!(kv.get(Column::Code, b"c").unwrap(), Some(b"wasm".to_vec()));
    assert_eq!(kv.get(Column::Nodes, b"c").unwrap(), None);
}

#[test]
fn opening_a_file_as_a_database_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err = RocksKv::open(&file, &RocksConfig::default()).unwrap_err();
    assert!(
        err.to_string().contains("cannot open the database"),
        "{err}"
    );
}

#[test]
fn tries_persist_in_rocksdb_and_hot_nodes_are_cached() {
    let dir = tempfile::tempdir().unwrap();
    let entries: Vec<(Vec<u8>, Vec<u8>)> = (0u32..5000)
        .map(|i| {
            (
                i.wrapping_mul(2_654_435_761).to_be_bytes().to_vec(),
                vec![i as u8; 20],
            )
        })
        .collect();
    let root = {
        let db = Store::new(rocks(&dir), 1 << 20);
        let mut trie = TrieMut::new(&db);
        trie.apply(entries.iter().map(|(k, v)| (k, v))).unwrap();
        let commit = trie.commit().unwrap();
        let mut meta = WriteBatch::new();
        meta.put(Column::Meta, b"head", commit.root.as_bytes());
        db.write(meta, &commit.nodes).unwrap();
        // The same root as a trie built in memory.
        let mut mem = TrieMut::new(MemoryStore::new());
        mem.apply(entries.iter().map(|(k, v)| (k, v))).unwrap();
        assert_eq!(mem.commit().unwrap().root, commit.root);
        commit.root
    };
    // Reopened: the head and every entry come back from disk.
    let db = Store::new(rocks(&dir), 64 << 10);
    let head = db.kv().get(Column::Meta, b"head").unwrap().unwrap();
    assert_eq!(head, root.as_bytes());
    let mut trie = TrieMut::open(&db, root).unwrap();
    for (k, v) in &entries {
        assert_eq!(trie.get(k).unwrap().as_ref(), Some(v));
    }
    // Reading a key's path again (from another trie over the same store)
    // touches only the cache.
    let mut first = TrieMut::open(&db, root).unwrap();
    assert!(first.get(&entries[0].0).unwrap().is_some());
    let before = db.stats();
    let mut again = TrieMut::open(&db, root).unwrap();
    assert!(again.get(&entries[0].0).unwrap().is_some());
    let after = db.stats();
    assert_eq!(after.misses, before.misses, "{before:?} -> {after:?}");
    assert!(after.hits >= before.hits + 3, "{before:?} -> {after:?}");
    // The cache stays within its bound.
    assert!(after.bytes <= 64 << 10, "{after:?}");
}

#[test]
fn node_db_vouches_only_for_nodes_it_hashed() {
    use svm_trie::NodeStore;
    let kv = MemoryKv::new();
    let good = vec![0xc2, 0x20, 0x01]; // a leaf: path [], value 0x01
    let good_hash = svm_trie::hash(&good);
    let bad_hash = svm_trie::hash(b"something else");
    let mut batch = WriteBatch::new();
    batch.put(Column::Nodes, good_hash.as_bytes(), &good);
    batch.put(Column::Nodes, bad_hash.as_bytes(), &good);
    kv.write(batch).unwrap();
    let db = Store::new(kv, 1 << 20);
    assert_eq!(
        db.node_checked(&good_hash).unwrap(),
        Some((good.clone(), true))
    );
    // A node that does not hash to its key is returned unvouched, and not cached.
    assert_eq!(
        db.node_checked(&bad_hash).unwrap(),
        Some((good.clone(), false))
    );
    assert_eq!(
        db.node_checked(&bad_hash).unwrap(),
        Some((good.clone(), false))
    );
    assert_eq!(db.stats().misses, 3);
    assert_eq!(db.node_checked(&good_hash).unwrap(), Some((good, true)));
    assert_eq!(db.stats().hits, 1);
}
