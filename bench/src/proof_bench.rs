//! The proof benchmark: proofs of contract variables on a large state
//! (1,000,000 accounts, 1,000 contracts of 100 pages, RocksDB) — size,
//! generation and verification rates, a 100-variable multiproof against 100
//! single proofs, and account proofs side by side with trie-db's proof of
//! the same key on the same data.

use std::time::Instant;

use memory_db::{HashKey, MemoryDB};
use primitive_types::{H256, U256};
use reference_trie::{ExtensionLayout, RefHasher};
use svm_proofs::verify::binary;
use svm_proofs::verify::{Request, world_key};
use svm_proofs::{prove_many, prove_variable};
use svm_state::kv::RocksKv;
use svm_state::layout::Layout;
use svm_state::{Account, Address, StateConfig, StateDb};
use trie_db::{TrieDBMutBuilder, TrieMut as _};

use crate::report::{Table, count, median, micros, ratio};
use svm_tests::Rng;

/// Sizes of the run.
pub(crate) struct Config {
    /// Plain accounts in the world trie.
    pub(crate) accounts: usize,
    /// Contracts.
    pub(crate) contracts: usize,
    /// Pages per contract (one 4 KiB variable each, filled with random bytes).
    pub(crate) pages: usize,
    /// Proofs timed per row.
    pub(crate) proofs: usize,
}

type PeerDb = MemoryDB<RefHasher, HashKey<RefHasher>, Vec<u8>>;
/// The world's entries: (key, account RLP).
type World = Vec<([u8; 32], Vec<u8>)>;

fn plain(i: usize) -> Address {
    Address::from_low_u64_be(0x1_0000_0000 + i as u64)
}

fn contract(i: usize) -> Address {
    Address::from_low_u64_be(0x2_0000_0000 + i as u64)
}

fn plain_account(i: usize) -> Account {
    Account {
        balance: U256::from(i as u64 + 1),
        ..Account::default()
    }
}

/// Builds the state; returns the database, its root and every world entry
/// (key, account RLP) for the peer trie.
fn build(cfg: &Config, dir: &std::path::Path) -> (StateDb<RocksKv>, H256, World) {
    let db = StateDb::open_rocks(dir, &StateConfig::default()).expect("database");
    let layout = Layout::new(4096, &vec![4096; cfg.pages]).expect("layout");
    let code = svm_state::code::module_declaring(&layout);
    let mut rng = Rng::new(11);
    for chunk in (0..cfg.accounts).collect::<Vec<_>>().chunks(200_000) {
        let mut s = db.begin().expect("session");
        for &i in chunk {
            s.create_account(&plain(i), plain_account(i).balance)
                .expect("account");
        }
        s.commit().expect("commit");
    }
    for chunk in (0..cfg.contracts).collect::<Vec<_>>().chunks(50) {
        let mut s = db.begin().expect("session");
        for &i in chunk {
            let a = contract(i);
            s.create_contract(&a, &code, U256::zero())
                .expect("contract");
            for v in 0..cfg.pages {
                let page: Vec<u8> = (0..4096 / 32).flat_map(|_| rng.bytes32()).collect();
                s.write_variable(&a, v as u32, &page).expect("page");
            }
        }
        s.commit().expect("commit");
    }
    let root = db.head().root;
    let mut world: World = (0..cfg.accounts)
        .map(|i| (world_key(&plain(i).0), plain_account(i).encode()))
        .collect();
    let view = db.at(root).expect("root");
    for i in 0..cfg.contracts {
        let a = contract(i);
        let account = view.account(&a).expect("read").expect("exists");
        world.push((world_key(&a.0), account.encode()));
    }
    (db, root, world)
}

fn per_second(seconds: f64, n: usize) -> String {
    count(n as f64 / seconds)
}

/// Runs the proof measurements and returns the result tables.
pub(crate) fn run(cfg: &Config) -> Vec<Table> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let t = Instant::now();
    let (db, root, world) = build(cfg, dir.path());
    let built = t.elapsed().as_secs_f64();
    let mut rng = Rng::new(12);
    let questions: Vec<(Address, u32)> = (0..cfg.proofs)
        .map(|_| {
            (
                contract(rng.below(cfg.contracts)),
                rng.below(cfg.pages) as u32,
            )
        })
        .collect();
    let mut table = Table::new(
        &format!(
            "Proofs on {} accounts and {} contracts of {} full 4 KiB pages (RocksDB, state built in {:.0} s; {} proofs per row)",
            count(cfg.accounts as f64),
            count(cfg.contracts as f64),
            cfg.pages,
            built,
            count(cfg.proofs as f64)
        ),
        &["proof", "bytes (median)", "generated/s", "verified/s"],
    );
    let single_sizes = variable_rows(&mut table, cfg, &db, root, &questions);
    account_rows(&mut table, &db, root, world, &mut rng, cfg.proofs);
    let multi = multiproof(&db, root, &questions, &single_sizes);
    let element = element_table(&db, &mut rng, 100_000, cfg.proofs);
    vec![table, multi, element]
}

/// A map-token's balance proven as a structure element (no page inside)
/// against the same shape in Ethereum: the account proof plus a storage
/// proof of a secure-trie slot holding the balance.
fn element_table(db: &StateDb<RocksKv>, rng: &mut Rng, holders: usize, proofs: usize) -> Table {
    use svm_state::layout::Kind;
    use svm_state::structure::{Element, PathKey, Structure};
    use svm_trie::{MemoryStore, TrieMut, proof};
    let token = Address::from_low_u64_be(0x3_0000_0000);
    let layout = Layout::with_kinds(4096, &[Kind::Structure(Structure::Map(Element::Bytes))])
        .expect("layout");
    let holder = |i: usize| {
        Address::from_low_u64_be(0x4_0000_0000 + i as u64)
            .0
            .to_vec()
    };
    let balances = svm_state::StructurePath::variable(0);
    let mut s = db.begin().expect("session");
    s.create_contract(
        &token,
        &svm_state::code::module_declaring(&layout),
        U256::zero(),
    )
    .expect("contract");
    for i in 0..holders {
        s.set_element(
            &token,
            &balances,
            &PathKey::Key(holder(i)),
            &(i as u64 + 1).to_le_bytes(),
        )
        .expect("balance");
    }
    let root = s.commit().expect("commit").head.root;
    // Ethereum's shape: slot keccak(holder) in a secure storage trie, the
    // balance as an RLP string.
    let mut eth = MemoryStore::new();
    let commit = {
        let mut t = TrieMut::new(&eth);
        t.apply((0..holders).map(|i| {
            let slot = keccak_hash::keccak(holder(i)).0.to_vec();
            let value = svm_state::structure::encode_list_leaf(
                &svm_state::structure::Value::Bytes((i as u64 + 1).to_le_bytes().to_vec()),
            );
            (slot, value)
        }))
        .expect("memory");
        t.commit().expect("memory")
    };
    eth.insert_all(&commit.nodes);
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    let t = Instant::now();
    for _ in 0..proofs {
        let i = rng.below(holders);
        let (p, proven) =
            svm_proofs::prove_element(db, root, &token, 0, &[PathKey::Key(holder(i))], false)
                .expect("prove");
        assert!(proven.element.is_some());
        let account: usize = p.account.iter().map(Vec::len).sum();
        let levels: usize = p.levels.iter().flatten().map(Vec::len).sum();
        ours.push((account + levels) as f64);
        let slot = keccak_hash::keccak(holder(i)).0;
        let storage = proof::prove(&eth, commit.root, &slot).expect("stored");
        let storage: usize = storage.nodes.iter().map(Vec::len).sum();
        theirs.push((account + storage) as f64);
    }
    let generated = t.elapsed().as_secs_f64();
    let (ours, theirs) = (median(&mut ours), median(&mut theirs));
    let mut table = Table::new(
        &format!(
            "A map-token balance as a structure element: {} holders, among the accounts above ({} proofs)",
            count(holders as f64),
            count(proofs as f64)
        ),
        &["proof", "bytes (median)", "÷ Ethereum's"],
    );
    table.row(vec![
        format!(
            "svm element proof (account, handle, map path; layout known), {} generated/s",
            per_second(generated, proofs)
        ),
        count(ours),
        ratio(ours / theirs),
    ]);
    table.row(vec![
        "Ethereum shape: the same account proof + a secure storage-slot proof".into(),
        count(theirs),
        ratio(1.0),
    ]);
    table
}

/// Rows of variable proofs, with and without the code; returns the sizes
/// of those carrying the code.
fn variable_rows(
    table: &mut Table,
    cfg: &Config,
    db: &StateDb<RocksKv>,
    root: H256,
    questions: &[(Address, u32)],
) -> Vec<usize> {
    let n = questions.len();
    let mut single_sizes = Vec::new();
    for with_code in [true, false] {
        let t = Instant::now();
        let proofs: Vec<Vec<u8>> = questions
            .iter()
            .map(|(a, v)| {
                let (p, _) = prove_variable(db, root, a, *v, with_code).expect("prove");
                binary::encode_variable(&p)
            })
            .collect();
        let generated = t.elapsed().as_secs_f64();
        let layout = Layout::new(4096, &vec![4096; cfg.pages]).expect("layout");
        let given = (!with_code).then_some(&layout);
        let t = Instant::now();
        for ((a, v), bytes) in questions.iter().zip(&proofs) {
            let p = binary::decode_variable(bytes).expect("decodes");
            let proven = p.verify_for(&root.0, &a.0, *v, given).expect("verifies");
            assert_eq!(proven.value.map(|v| v.len()), Some(4096));
        }
        let verified = t.elapsed().as_secs_f64();
        let mut sizes: Vec<f64> = proofs.iter().map(|p| p.len() as f64).collect();
        if with_code {
            single_sizes = proofs.iter().map(Vec::len).collect();
        }
        table.row(vec![
            format!(
                "variable (4 KiB), binary, {}",
                if with_code {
                    "carrying the code"
                } else {
                    "layout known to the verifier"
                }
            ),
            count(median(&mut sizes)),
            per_second(generated, n),
            per_second(verified, n),
        ]);
    }
    single_sizes
}

/// Rows of account proofs: svm against trie-db on the same keys and
/// values, and their size ratio.
fn account_rows(
    table: &mut Table,
    db: &StateDb<RocksKv>,
    root: H256,
    world: World,
    rng: &mut Rng,
    n: usize,
) {
    let accounts: Vec<[u8; 32]> = (0..n).map(|_| world[rng.below(world.len())].0).collect();
    let t = Instant::now();
    let svm_proofs: Vec<Vec<Vec<u8>>> = accounts
        .iter()
        .map(|k| {
            svm_trie::proof::prove(db.store(), root, k)
                .expect("prove")
                .nodes
        })
        .collect();
    let generated = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for (k, p) in accounts.iter().zip(&svm_proofs) {
        let v = svm_proofs::verify::mpt::verify(&root.0, k, p).expect("verifies");
        assert!(v.is_some());
    }
    let verified = t.elapsed().as_secs_f64();
    let mut sizes: Vec<f64> = svm_proofs
        .iter()
        .map(|p| p.iter().map(Vec::len).sum::<usize>() as f64)
        .collect();
    let svm_account = median(&mut sizes);
    table.row(vec![
        "account (EIP-1186 accountProof), svm".into(),
        count(svm_account),
        per_second(generated, n),
        per_second(verified, n),
    ]);
    let mut peer_db = PeerDb::default();
    let mut peer_root = Default::default();
    {
        let mut t = TrieDBMutBuilder::<ExtensionLayout>::new(&mut peer_db, &mut peer_root).build();
        for (k, v) in &world {
            t.insert(k, v).expect("memory-db");
        }
        t.commit();
    }
    let values: std::collections::HashMap<[u8; 32], Vec<u8>> = world.into_iter().collect();
    let t = Instant::now();
    let peer_proofs: Vec<Vec<Vec<u8>>> = accounts
        .iter()
        .map(|k| {
            trie_db::proof::generate_proof::<_, ExtensionLayout, _, _>(&peer_db, &peer_root, [k])
                .expect("stored")
        })
        .collect();
    let generated = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for (k, p) in accounts.iter().zip(&peer_proofs) {
        trie_db::proof::verify_proof::<ExtensionLayout, _, _, _>(
            &peer_root,
            p,
            &[(k, Some(values[k].clone()))],
        )
        .expect("verifies");
    }
    let verified = t.elapsed().as_secs_f64();
    let mut sizes: Vec<f64> = peer_proofs
        .iter()
        .map(|p| p.iter().map(Vec::len).sum::<usize>() as f64)
        .collect();
    let peer_account = median(&mut sizes);
    table.row(vec![
        "account, trie-db (same data, memory-db, compact proof)".into(),
        count(peer_account),
        per_second(generated, n),
        per_second(verified, n),
    ]);
    table.row(vec![
        "account proof size, svm ÷ trie-db".into(),
        ratio(svm_account / peer_account),
        String::new(),
        String::new(),
    ]);
}

/// The multiproof table: 100 variables in one multiproof against 100
/// single proofs.
fn multiproof(
    db: &StateDb<RocksKv>,
    root: H256,
    questions: &[(Address, u32)],
    single_sizes: &[usize],
) -> Table {
    let mut multi = Table::new(
        "100 variables (random contracts and pages): one multiproof against 100 single proofs (binary, carrying code)",
        &["", "bytes", "generate", "verify"],
    );
    // A multiproof asks for each variable once: the first 100 distinct
    // questions, against their own single proofs.
    let mut seen = std::collections::BTreeSet::new();
    let chosen: Vec<usize> = (0..questions.len())
        .filter(|i| seen.insert(questions[*i]))
        .take(100)
        .collect();
    let requests: Vec<Request> = chosen
        .iter()
        .map(|&i| Request {
            address: questions[i].0.0,
            variable: questions[i].1,
        })
        .collect();
    let mut gen_samples = Vec::new();
    let mut ver_samples = Vec::new();
    let mut bytes = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let (p, _) = prove_many(db, root, &requests, true).expect("prove");
        bytes = binary::encode_multi(&p);
        gen_samples.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let p = binary::decode_multi(&bytes).expect("decodes");
        let proven = p
            .verify(&root.0, &std::collections::BTreeMap::new())
            .expect("verifies");
        assert_eq!(proven.len(), requests.len());
        ver_samples.push(t.elapsed().as_secs_f64());
    }
    let singles: usize = chosen.iter().map(|&i| single_sizes[i]).sum();
    multi.row(vec![
        "one multiproof".into(),
        count(bytes.len() as f64),
        micros(median(&mut gen_samples)),
        micros(median(&mut ver_samples)),
    ]);
    multi.row(vec![
        "100 single proofs".into(),
        count(singles as f64),
        String::new(),
        String::new(),
    ]);
    multi.row(vec![
        "multiproof ÷ singles".into(),
        ratio(bytes.len() as f64 / singles as f64),
        String::new(),
        String::new(),
    ]);
    multi
}
