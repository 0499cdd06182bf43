//! The trie benchmark: bulk root, incremental updates, proofs and memory.

use std::time::Instant;

use alloy_trie::{HashBuilder, Nibbles};
use memory_db::{HashKey, MemoryDB};
use reference_trie::{ExtensionLayout, RefHasher};
use svm_trie::proof;
use svm_trie::{Commit, MemoryStore, NodeSet, TrieMut};
use trie_db::{TrieDBMutBuilder, TrieMut as _};

use crate::alloc;
use crate::report::{Table, count, median, mib, micros, ratio, secs};
use svm_tests::Rng;

/// Sizes of the run.
pub(crate) struct Config {
    pub(crate) keys: usize,
    pub(crate) reps: usize,
    pub(crate) rounds: usize,
    pub(crate) batch: usize,
}

type Entries = Vec<([u8; 32], [u8; 32])>;
type PeerDb = MemoryDB<RefHasher, HashKey<RefHasher>, Vec<u8>>;

fn entries(n: usize, seed: u64) -> Entries {
    let mut rng = Rng::new(seed);
    (0..n).map(|_| (rng.bytes32(), rng.bytes32())).collect()
}

fn time<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let t = Instant::now();
    let out = f();
    (t.elapsed().as_secs_f64(), out)
}

/// Time to keccak exactly the node bytes a commit hashed.
fn keccak_floor(nodes: &NodeSet) -> f64 {
    let t = Instant::now();
    let mut acc = 0u8;
    for (_, n) in nodes.iter() {
        acc ^= svm_trie::hash(n).0[0];
    }
    std::hint::black_box(acc);
    t.elapsed().as_secs_f64()
}

fn svm_build(data: &[([u8; 32], [u8; 32])]) -> (TrieMut<MemoryStore>, Commit) {
    let mut trie = TrieMut::new(MemoryStore::new());
    trie.apply(data.iter().map(|(k, v)| (k, v)))
        .expect("fresh trie");
    let commit = trie.commit().expect("fresh trie");
    (trie, commit)
}

fn peer_build(data: &[([u8; 32], [u8; 32])]) -> (PeerDb, [u8; 32], f64, f64) {
    let mut db = PeerDb::default();
    let mut root = Default::default();
    let (insert, commit) = {
        let mut t = TrieDBMutBuilder::<ExtensionLayout>::new(&mut db, &mut root).build();
        let (insert, ()) = time(|| {
            for (k, v) in data {
                t.insert(k, v).expect("memory-db");
            }
        });
        let (commit, ()) = time(|| t.commit());
        (insert, commit)
    };
    (db, root, insert, commit)
}

/// Runs one svm-trie workload alone, for profiling: the bulk build, then the
/// incremental rounds (`update`) or proofs of random keys (`prove`).
pub(crate) fn profile(cfg: &Config, workload: &str) {
    let data = entries(cfg.keys, 1);
    if workload == "sorted" || workload == "alloy" {
        // The one-pass root against alloy's on the same sorted input.
        let mut sorted = data;
        sorted.sort_unstable_by_key(|a| a.0);
        let root = if workload == "sorted" {
            svm_trie::root_of_sorted(&sorted).expect("sorted input")
        } else {
            let mut hb = HashBuilder::default();
            for (k, v) in &sorted {
                hb.add_leaf(Nibbles::unpack(k), v);
            }
            svm_trie::H256(hb.root().0)
        };
        println!("root {root:#x}");
        return;
    }
    let (mut trie, commit) = svm_build(&data);
    println!("root {:#x}, {} new nodes", commit.root, commit.nodes.len());
    if workload == "prove" {
        let mut store = MemoryStore::new();
        store.insert_all(&commit.nodes);
        let mut rng = Rng::new(9);
        let keys: Vec<[u8; 32]> = (0..10_000).map(|_| data[rng.below(data.len())].0).collect();
        let (t, size) = time(|| {
            keys.iter()
                .map(|k| {
                    proof::prove(&store, commit.root, k)
                        .expect("stored")
                        .nodes
                        .len()
                })
                .sum::<usize>()
        });
        println!("{} per proof ({size} nodes)", micros(t / keys.len() as f64));
    }
    if workload == "update" {
        let mut rng = Rng::new(7);
        let (mut t_apply, mut t_commit, mut t_floor, mut t_store) = (0.0, 0.0, 0.0, 0.0);
        let mut store = MemoryStore::new();
        store.insert_all(&commit.nodes);
        for _ in 0..cfg.rounds {
            let batch: Vec<([u8; 32], [u8; 32])> = (0..cfg.batch)
                .map(|_| (data[rng.below(data.len())].0, rng.bytes32()))
                .collect();
            t_apply += time(|| {
                trie.apply(batch.iter().map(|(k, v)| (k, v)))
                    .expect("in memory")
            })
            .0;
            let (t, c) = time(|| trie.commit().expect("in memory"));
            t_commit += t;
            t_store += time(|| store.insert_all(&c.nodes)).0;
            t_floor += keccak_floor(&c.nodes);
        }
        let n = (cfg.rounds * cfg.batch) as f64;
        println!(
            "per updated key: apply {}, commit {}, store {}, keccak floor {}",
            micros(t_apply / n),
            micros(t_commit / n),
            micros(t_store / n),
            micros(t_floor / n)
        );
    }
}

/// Runs every trie measurement and returns the result tables.
pub(crate) fn run(cfg: &Config) -> Vec<Table> {
    let data = entries(cfg.keys, 1);
    let (bulk, mem) = bulk(cfg, &data);
    let mut rng = Rng::new(7);
    let (inc, updated) = incremental(cfg, &data, &mut rng);
    let n_proofs = 10_000.min(cfg.keys);
    let keys: Vec<[u8; 32]> = (0..n_proofs)
        .map(|_| data[rng.below(data.len())].0)
        .collect();
    let (pr, proofs) = proofs(cfg, &updated, &keys);
    let multi = multiproof(&updated, &keys[..1_000.min(n_proofs)], &proofs);
    vec![bulk, inc, pr, multi, memory(cfg, mem)]
}

/// One line of the memory table: what, peak while building, held after.
type MemRow = (&'static str, usize, usize);

/// The tries after the incremental rounds, for the proof tables.
struct Updated {
    store: MemoryStore,
    root: svm_trie::H256,
    peer_db: PeerDb,
    peer_root: [u8; 32],
}

/// The bulk root table (and the memory each build took).
fn bulk(cfg: &Config, data: &Entries) -> (Table, Vec<MemRow>) {
    let mut sorted = data.to_vec();
    sorted.sort_unstable_by_key(|a| a.0);
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a thread pool");
    let (mut svm1, mut svm1_sorted, mut svm2, mut alloy, mut peer_ins, mut peer_com, mut floor) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    let (mut pass1, mut pass2) = (vec![], vec![]);
    let mut hashed_bytes = 0usize;
    let mut hashed_nodes = 0usize;
    let mut mem = Vec::new();
    for rep in 0..cfg.reps {
        let (t, (trie, commit)) = one_thread.install(|| time(|| svm_build(data)));
        svm1.push(t);
        drop((trie, commit));
        let (t, (trie, commit)) = one_thread.install(|| time(|| svm_build(&sorted)));
        svm1_sorted.push(t);
        drop((trie, commit));

        let base = alloc::current();
        alloc::reset_peak();
        let (t, (trie, commit)) = time(|| svm_build(data));
        svm2.push(t);
        let commit_root = commit.root;
        floor.push(keccak_floor(&commit.nodes));
        if rep == 0 {
            hashed_bytes = commit.nodes.byte_size();
            hashed_nodes = commit.nodes.len();
            let peak = alloc::peak() - base;
            let with_output = alloc::current() - base;
            drop(commit);
            let overlay = alloc::current() - base;
            let encoded = with_output - overlay;
            mem.push((
                "svm-trie: insert + commit (overlay + commit output)",
                peak,
                with_output,
            ));
            mem.push((
                "svm-trie: decoded overlay kept after commit",
                overlay,
                overlay,
            ));
            mem.push((
                "svm-trie: commit output (encoded nodes + hashes)",
                encoded,
                encoded,
            ));
        }
        drop(trie);

        let base = alloc::current();
        alloc::reset_peak();
        let (t, one_pass) = one_thread.install(|| time(|| svm_trie::root_of_sorted(&sorted)));
        pass1.push(t);
        if rep == 0 {
            mem.push((
                "svm-trie root_of_sorted (root only)",
                alloc::peak() - base,
                0,
            ));
        }
        let (t, both) = time(|| svm_trie::root_of_sorted(&sorted));
        pass2.push(t);
        assert_eq!(one_pass.ok(), Some(commit_root));
        assert_eq!(both.ok(), Some(commit_root));

        let base = alloc::current();
        alloc::reset_peak();
        let (t, root) = time(|| {
            let mut hb = HashBuilder::default();
            for (k, v) in &sorted {
                hb.add_leaf(Nibbles::unpack(k), v);
            }
            hb.root()
        });
        alloy.push(t);
        if rep == 0 {
            mem.push((
                "alloy-trie HashBuilder (root only)",
                alloc::peak() - base,
                0,
            ));
        }
        assert_eq!(root.0, commit_root.0);

        let base = alloc::current();
        alloc::reset_peak();
        let (db, _, ins, com) = peer_build(data);
        peer_ins.push(ins);
        peer_com.push(com);
        if rep == 0 {
            mem.push((
                "trie-db TrieDBMut + memory-db",
                alloc::peak() - base,
                alloc::current() - base,
            ));
        }
        drop(db);
    }
    let svm1_sorted = median(&mut svm1_sorted);
    let (pass1, pass2) = (median(&mut pass1), median(&mut pass2));
    let (svm1, svm2, alloy, floor) = (
        median(&mut svm1),
        median(&mut svm2),
        median(&mut alloy),
        median(&mut floor),
    );
    let (peer_ins, peer_com) = (median(&mut peer_ins), median(&mut peer_com));
    let peer = peer_ins + peer_com;
    let mut bulk = Table::new(
        &format!(
            "Bulk root: {} random keys, insert all + commit (svm hashed {} nodes, {} bytes)",
            count(cfg.keys as f64),
            count(hashed_nodes as f64),
            count(hashed_bytes as f64)
        ),
        &[
            "implementation",
            "time",
            "alloy time / this",
            "keccak floor / this",
        ],
    );
    for (name, t) in [
        ("svm-trie, 1 thread", svm1),
        (
            "svm-trie, 1 thread, input already sorted (as alloy's)",
            svm1_sorted,
        ),
        (
            &*format!("svm-trie, {} threads", rayon::current_num_threads()),
            svm2,
        ),
        (
            "svm-trie root_of_sorted, 1 thread (sorted input, root only, as alloy's)",
            pass1,
        ),
        (
            &*format!(
                "svm-trie root_of_sorted, {} threads",
                rayon::current_num_threads()
            ),
            pass2,
        ),
        ("alloy-trie HashBuilder (sorted input, root only)", alloy),
        (
            &*format!(
                "trie-db TrieDBMut + memory-db ({} insert + {} commit)",
                secs(peer_ins),
                secs(peer_com)
            ),
            peer,
        ),
        ("keccak floor (the bytes svm hashed, one thread)", floor),
    ] {
        bulk.row(vec![
            name.to_string(),
            secs(t),
            ratio(alloy / t),
            ratio(floor / t),
        ]);
    }
    (bulk, mem)
}

/// The incremental table: the same rounds for each implementation, each
/// implementation's rounds run back to back.
fn incremental(cfg: &Config, data: &Entries, rng: &mut Rng) -> (Table, Updated) {
    let rounds: Vec<Vec<([u8; 32], [u8; 32])>> = (0..cfg.rounds)
        .map(|_| {
            (0..cfg.batch)
                .map(|_| (data[rng.below(data.len())].0, rng.bytes32()))
                .collect()
        })
        .collect();
    let (mut trie, commit) = svm_build(data);
    let mut base = MemoryStore::new();
    base.insert_all(&commit.nodes);
    let base_root = commit.root;
    drop(commit);
    // Warm: the trie keeps its decoded nodes across rounds; new nodes are stored.
    let mut store = base.clone();
    let (mut warm, mut floor_t, mut warm_roots) = (vec![], vec![], vec![]);
    for updates in &rounds {
        let (t, c) = time(|| {
            trie.apply(updates.iter().map(|(k, v)| (k, v)))
                .expect("in memory");
            let c = trie.commit().expect("in memory");
            store.insert_all(&c.nodes);
            c
        });
        warm.push(t / cfg.batch as f64);
        floor_t.push(keccak_floor(&c.nodes) / cfg.batch as f64);
        warm_roots.push(c.root);
    }
    drop((trie, store));
    // Cold: reopened at the last root every round, nodes loaded from the store.
    let mut store = base;
    let mut root = base_root;
    let mut cold = vec![];
    for (updates, want) in rounds.iter().zip(&warm_roots) {
        let (t, ()) = time(|| {
            let c = {
                let mut t = TrieMut::open(&store, root).expect("stored root");
                t.apply(updates.iter().map(|(k, v)| (k, v)))
                    .expect("stored nodes");
                t.commit().expect("stored nodes")
            };
            store.insert_all(&c.nodes);
            root = c.root;
        });
        cold.push(t / cfg.batch as f64);
        assert_eq!(root, *want, "warm and cold tries agree");
    }
    let (mut peer_db, mut peer_root, _, _) = peer_build(data);
    let mut peer_t = vec![];
    for updates in &rounds {
        let (t, ()) = time(|| {
            let mut tr =
                TrieDBMutBuilder::<ExtensionLayout>::from_existing(&mut peer_db, &mut peer_root)
                    .build();
            for (k, v) in updates {
                tr.insert(k, v).expect("memory-db");
            }
            tr.commit();
        });
        peer_t.push(t / cfg.batch as f64);
    }
    let (warm, cold, peer_t, floor_t) = (
        median(&mut warm),
        median(&mut cold),
        median(&mut peer_t),
        median(&mut floor_t),
    );
    let mut inc = Table::new(
        &format!(
            "Incremental: {} rounds of {} random updates + commit on the {}-key trie",
            cfg.rounds,
            count(cfg.batch as f64),
            count(cfg.keys as f64)
        ),
        &[
            "implementation",
            "per updated key",
            "trie-db / this",
            "this / keccak floor",
        ],
    );
    for (name, t) in [
        ("svm-trie, decoded nodes kept across commits", warm),
        ("svm-trie, reopened at the root every round", cold),
        ("trie-db TrieDBMut + memory-db", peer_t),
        ("keccak floor (the bytes svm hashed)", floor_t),
    ] {
        inc.row(vec![
            name.to_string(),
            micros(t),
            ratio(peer_t / t),
            ratio(t / floor_t),
        ]);
    }
    let updated = Updated {
        store,
        root,
        peer_db,
        peer_root,
    };
    (inc, updated)
}

/// The single-key proof table (and svm's proofs, for the multiproof table).
fn proofs(cfg: &Config, u: &Updated, keys: &[[u8; 32]]) -> (Table, Vec<proof::KeyProof>) {
    let (store, root, peer_db, peer_root) = (&u.store, u.root, &u.peer_db, &u.peer_root);
    let n_proofs = keys.len();
    let (t_gen, proofs) = time(|| {
        keys.iter()
            .map(|k| proof::prove(store, root, k).expect("stored"))
            .collect::<Vec<_>>()
    });
    let (t_ver, ok) = time(|| {
        keys.iter()
            .zip(&proofs)
            .filter(|(k, p)| proof::verify(root, &k[..], &p.nodes).is_ok_and(|v| v.is_some()))
            .count()
    });
    assert_eq!(ok, n_proofs, "every proof verifies");
    let svm_size = proofs
        .iter()
        .map(|p| p.nodes.iter().map(Vec::len).sum::<usize>())
        .sum::<usize>() as f64
        / n_proofs as f64;
    let svm_nodes = proofs.iter().map(|p| p.nodes.len()).sum::<usize>() as f64 / n_proofs as f64;
    let (t_pgen, peer_proofs) = time(|| {
        keys.iter()
            .map(|k| {
                trie_db::proof::generate_proof::<_, ExtensionLayout, _, _>(peer_db, peer_root, [k])
                    .expect("stored")
            })
            .collect::<Vec<_>>()
    });
    let mut peer_values = Vec::with_capacity(n_proofs);
    {
        use trie_db::Trie as _;
        let t = trie_db::TrieDBBuilder::<ExtensionLayout>::new(peer_db, peer_root).build();
        for k in keys {
            peer_values.push(t.get(k).expect("stored"));
        }
    }
    let (t_pver, pok) = time(|| {
        keys.iter()
            .zip(&peer_proofs)
            .zip(&peer_values)
            .filter(|((k, p), v)| {
                trie_db::proof::verify_proof::<ExtensionLayout, _, _, _>(
                    peer_root,
                    p,
                    &[(k, (*v).clone())],
                )
                .is_ok()
            })
            .count()
    });
    assert_eq!(pok, n_proofs, "every trie-db proof verifies");
    let peer_size = peer_proofs
        .iter()
        .map(|p| p.iter().map(Vec::len).sum::<usize>())
        .sum::<usize>() as f64
        / n_proofs as f64;
    let mut pr = Table::new(
        &format!(
            "Proofs of one key on the {}-key trie ({} keys)",
            count(cfg.keys as f64),
            count(n_proofs as f64)
        ),
        &[
            "implementation",
            "generate / s",
            "verify / s",
            "mean size",
            "nodes",
        ],
    );
    pr.row(vec![
        "svm-trie (EIP-1186 form, from the node store)".into(),
        count(n_proofs as f64 / t_gen),
        count(n_proofs as f64 / t_ver),
        format!("{svm_size:.0} B"),
        format!("{svm_nodes:.1}"),
    ]);
    pr.row(vec![
        "trie-db (its compact proof, reference codec)".into(),
        count(n_proofs as f64 / t_pgen),
        count(n_proofs as f64 / t_pver),
        format!("{peer_size:.0} B"),
        "–".into(),
    ]);
    (pr, proofs)
}

/// The multiproof table: `keys` in one multiproof against their single proofs.
fn multiproof(u: &Updated, multi_keys: &[[u8; 32]], proofs: &[proof::KeyProof]) -> Table {
    let (store, root) = (&u.store, u.root);
    let mp = proof::prove_many(store, root, multi_keys).expect("stored");
    let multi_size: usize = mp.nodes.iter().map(Vec::len).sum();
    let singles: usize = proofs[..multi_keys.len()]
        .iter()
        .map(|p| p.nodes.iter().map(Vec::len).sum::<usize>())
        .sum();
    let (t_mv, mv) = time(|| proof::verify_many(root, multi_keys, &mp.nodes));
    assert!(mv.is_ok(), "the multiproof verifies");
    let mut multi = Table::new(
        &format!("Multiproof of {} keys", count(multi_keys.len() as f64)),
        &["form", "bytes", "this / multiproof", "verify"],
    );
    multi.row(vec![
        "one multiproof (nodes once)".into(),
        count(multi_size as f64),
        ratio(1.0),
        secs(t_mv),
    ]);
    multi.row(vec![
        format!("{} single proofs", count(multi_keys.len() as f64)),
        count(singles as f64),
        ratio(singles as f64 / multi_size as f64),
        "–".into(),
    ]);
    multi
}

/// The memory table.
fn memory(cfg: &Config, mem: Vec<MemRow>) -> Table {
    let mut memory = Table::new(
        &format!(
            "Memory of the {}-key trie (heap bytes, counted by the allocator)",
            count(cfg.keys as f64)
        ),
        &["what", "peak while building", "held afterwards"],
    );
    for (name, peak, held) in mem {
        memory.row(vec![name.to_string(), mib(peak), mib(held)]);
    }
    memory
}
