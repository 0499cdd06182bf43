//! The pruning benchmark: the state benchmark's blocks committed to
//! databases keeping every root (archive) and the last 128, 16 and 1 roots,
//! block by block in turn (so the machine's noise falls on all alike): the
//! commit time each pays, and what each holds on disk afterwards against
//! the nodes its kept roots need.

use std::path::{Path, PathBuf};
use std::time::Instant;

use svm_state::code::module_declaring;
use svm_state::kv::RocksKv;
use svm_state::layout::Layout;
use svm_state::{History, StateConfig, StateDb};
use svm_tests::Rng;

use crate::report::{Table, median, mib, micros, ratio};
use crate::state_bench::{self, PAGE, VAR_LEN, VARIABLES, contract, dir_bytes};

/// The windows compared (`None`: archive).
const MODES: [Option<u64>; 4] = [None, Some(128), Some(16), Some(1)];

fn name(mode: Option<u64>) -> String {
    match mode {
        None => "archive".into(),
        Some(n) => format!("keep {n}"),
    }
}

/// Where the database of `mode` lives under `root`.
fn dir(root: &Path, mode: Option<u64>) -> PathBuf {
    root.join(name(mode).replace(' ', "-"))
}

/// A RocksDB state database under `root` keeping what `mode` says.
fn open(root: &Path, mode: Option<u64>) -> StateDb<RocksKv> {
    let config = StateConfig {
        history: mode.map_or(History::Archive, History::Recent),
        ..StateConfig::default()
    };
    StateDb::open_rocks(&dir(root, mode), &config).expect("svm database")
}

/// Runs the pruning measurements and returns the result tables.
pub(crate) fn run(cfg: &state_bench::Config) -> Vec<Table> {
    let root = tempfile::tempdir().expect("a temporary directory");
    let layout = Layout::new(PAGE as u32, &[VAR_LEN as u32; VARIABLES as usize]).expect("layout");
    let code = module_declaring(&layout);
    let dbs: Vec<StateDb<RocksKv>> = MODES.iter().map(|m| open(root.path(), *m)).collect();
    for db in &dbs {
        let mut s = db.begin().expect("session");
        for i in 0..cfg.contracts {
            s.create_contract(&contract(i), &code, 0u64.into())
                .expect("create");
        }
        s.commit().expect("commit");
    }
    let mut rng = Rng::new(42);
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); MODES.len()];
    let mut swept = vec![0u64; MODES.len()];
    let mut deleted = vec![0u64; MODES.len()];
    for b in 0..cfg.blocks {
        let txs = state_bench::block(&mut rng, cfg);
        // A different mode first each block.
        for k in 0..MODES.len() {
            let i = (b + k) % MODES.len();
            let t = Instant::now();
            let mut s = dbs[i].begin().expect("session");
            for tx in &txs {
                for (c, var, v) in tx {
                    s.write_variable(&contract(*c), *var, v).expect("write");
                }
            }
            let out = s.commit().expect("commit");
            times[i].push(t.elapsed().as_secs_f64());
            swept[i] += out.pruned.swept;
            deleted[i] += out.pruned.nodes_deleted;
        }
    }
    let head = dbs[0].head();
    for db in &dbs[1..] {
        assert_eq!(db.head(), head, "every mode reaches the same root");
    }
    let live = dbs[0].check(head.root).expect("check");
    let archive_block = median(&mut times[0].clone());
    let mut speed = Table::new(
        &format!(
            "Pruning: {} contracts, {} blocks of {} transactions (the state benchmark's), RocksDB, modes interleaved block by block",
            cfg.contracts, cfg.blocks, cfg.txs
        ),
        &[
            "mode",
            "commit per block (median)",
            "÷ archive",
            "nodes deleted",
            "occurrences swept",
        ],
    );
    let mut disk = Table::new(
        &format!(
            "Disk after {} blocks: the head's nodes are {} ({} nodes)",
            cfg.blocks,
            mib(live.node_bytes as usize),
            live.nodes
        ),
        &[
            "mode",
            "nodes the kept roots need",
            "on disk",
            "on disk, compacted",
            "compacted ÷ head's nodes",
            "compacted ÷ needed",
        ],
    );
    for (i, mode) in MODES.iter().enumerate() {
        let block = median(&mut times[i]);
        speed.row(vec![
            name(*mode),
            micros(block),
            ratio(block / archive_block),
            deleted[i].to_string(),
            swept[i].to_string(),
        ]);
        let path = dir(root.path(), *mode);
        let before = dir_bytes(&path);
        let needed = mode.map(|_| dbs[i].audit_refs().expect("audit"));
        if let Some(a) = &needed {
            assert!(a.is_clean(), "{}: {a:?}", name(*mode));
        }
        dbs[i].kv().compact().expect("compact");
        let after = dir_bytes(&path);
        disk.row(vec![
            name(*mode),
            needed
                .as_ref()
                .map_or("every version".into(), |a| mib(a.node_bytes as usize)),
            mib(before as usize),
            mib(after as usize),
            ratio(after as f64 / live.node_bytes as f64),
            needed
                .as_ref()
                .map_or("—".into(), |a| ratio(after as f64 / a.node_bytes as f64)),
        ]);
    }
    vec![speed, disk, transfers(cfg.blocks.min(200))]
}

/// Token transfers end to end (execution, then the commit with pruning)
/// in blocks of 1,000 on 100,000 accounts, each mode in turn per block.
fn transfers(blocks: usize) -> Table {
    use crate::vm_bench::{BLOCK, TX_GAS, call, deploy, fund, sender};
    use svm_vm::{Arg, Tx, Vm, VmConfig};
    let n = 100_000;
    let root = tempfile::tempdir().expect("a temporary directory");
    let vms: Vec<(Vm<RocksKv>, svm_state::Address)> = MODES
        .iter()
        .map(|mode| {
            let db = open(root.path(), *mode);
            let vm = Vm::new(
                db,
                VmConfig {
                    max_block_gas: 1_000 * TX_GAS,
                    ..VmConfig::default()
                },
            );
            let token = deploy(&vm, svm_tests::wide_token(n));
            fund(&vm, &token, n);
            (vm, token)
        })
        .collect();
    let mut rng = Rng::new(7);
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); MODES.len()];
    for b in 0..blocks {
        let txs: Vec<Tx> = (0..1_000)
            .map(|_| {
                let (from, to) = (rng.below(n), rng.below(n));
                let args = vec![Arg::I32(from as i32), Arg::I32(to as i32), Arg::I64(1)];
                Tx::Call(call(vms[0].1, sender(from), "transfer", args))
            })
            .collect();
        for k in 0..MODES.len() {
            let i = (b + k) % MODES.len();
            let t = Instant::now();
            let block = vms[i].0.execute_block(&txs, BLOCK).expect("block");
            times[i].push(t.elapsed().as_secs_f64());
            assert!(block.receipts.iter().all(|r| r.success));
        }
    }
    let head = vms[0].0.db().head();
    for (vm, _) in &vms[1..] {
        assert_eq!(vm.db().head(), head, "every mode reaches the same root");
    }
    let archive = median(&mut times[0].clone());
    let mut table = Table::new(
        &format!(
            "Pruning, end to end: {blocks} blocks of 1,000 token transfers on 100,000 accounts (singlepass, metered), modes interleaved block by block"
        ),
        &["mode", "per block (median)", "transfers/s", "÷ archive"],
    );
    for (i, mode) in MODES.iter().enumerate() {
        let t = median(&mut times[i]);
        table.row(vec![
            name(*mode),
            micros(t),
            crate::report::count(1_000.0 / t),
            ratio(t / archive),
        ]);
    }
    table
}
