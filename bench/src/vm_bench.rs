//! The VM benchmark: contract transactions end to end on RocksDB, one commit
//! per transaction and one per block.

use std::time::Instant;

use svm_state::kv::RocksKv;
use svm_state::{Address, StateConfig, StateDb};
use svm_vm::{Arg, BlockContext, Call, Deploy, Tx, Vm, VmConfig};

use crate::report::{Table, count, micros};
use crate::rng::Rng;

/// Sizes of the run.
pub(crate) struct Config {
    pub(crate) txs: usize,
    pub(crate) blocks: usize,
}

const BLOCK: BlockContext = BlockContext { height: 1, time: 0 };
const SENDER: Address = Address::repeat_byte(0x05);

fn contract(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../examples/contracts/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn deploy(vm: &Vm<RocksKv>, name: &str, nonce: u64) -> Address {
    let r = vm.deploy(
        &Deploy {
            author: SENDER,
            nonce,
            code: contract(name),
            balance: 0u64.into(),
            constructor: None,
        },
        BLOCK,
    );
    assert!(r.success, "deploy {name}: {r:?}");
    r.contract
}

fn call(contract: Address, function: &str, args: Vec<Arg>) -> Call {
    Call {
        contract,
        sender: SENDER,
        function: function.into(),
        args,
        gas_limit: 1_000_000,
        value: 0u64.into(),
    }
}

/// Runs the VM measurements and returns the result table.
pub(crate) fn run(cfg: &Config) -> Vec<Table> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = StateDb::open_rocks(dir.path(), &StateConfig::default()).expect("database");
    let vm = Vm::new(db, VmConfig::default());
    let counter = deploy(&vm, "counter.wat", 0);
    let token = deploy(&vm, "token.wat", 1);
    for h in 0..16 {
        let r = vm.call(
            &call(token, "mint", vec![Arg::I32(h), Arg::I64(1 << 40)]),
            BLOCK,
        );
        assert!(r.success, "{r:?}");
    }
    let mut rng = Rng::new(5);
    let mut transfer = || {
        let (from, to) = (rng.below(16) as i32, rng.below(16) as i32);
        call(
            token,
            "transfer",
            vec![Arg::I32(from), Arg::I32(to), Arg::I64(1)],
        )
    };
    let increment = || call(counter, "increment", vec![Arg::I64(1)]);
    let empty = || call(counter, "nope", vec![]);

    let mut table = Table::new(
        "End-to-end transactions on RocksDB (singlepass, metered)",
        &[
            "",
            "per transaction",
            "transactions/s",
            "gas per transaction",
        ],
    );
    let mut per_tx = |name: &str, make: &mut dyn FnMut() -> Call| {
        let txs: Vec<Call> = (0..cfg.txs).map(|_| make()).collect();
        let t = Instant::now();
        let mut gas = 0;
        for tx in &txs {
            gas = vm.call(tx, BLOCK).gas_used;
        }
        let each = t.elapsed().as_secs_f64() / txs.len() as f64;
        let how = if name.contains("instantiate only") {
            "nothing to commit"
        } else {
            "one commit per transaction"
        };
        table.row(vec![
            format!("{name}, {how}"),
            micros(each),
            count(1.0 / each),
            gas.to_string(),
        ]);
    };
    per_tx("counter increment", &mut || increment());
    per_tx("token transfer", &mut transfer);
    per_tx("call of a missing function (instantiate only)", &mut || {
        empty()
    });
    let mut per_block = |name: &str, make: &mut dyn FnMut() -> Call| {
        let blocks: Vec<Vec<Tx>> = (0..cfg.blocks)
            .map(|_| (0..1_000).map(|_| Tx::Call(make())).collect())
            .collect();
        let t = Instant::now();
        let mut gas = 0;
        for txs in &blocks {
            let receipts = vm.execute_block(txs, BLOCK).expect("block");
            assert!(receipts.iter().all(|r| r.success));
            gas = receipts[0].gas_used;
        }
        let each = t.elapsed().as_secs_f64() / (cfg.blocks * 1_000) as f64;
        table.row(vec![
            format!("{name}, blocks of 1,000"),
            micros(each),
            count(1.0 / each),
            gas.to_string(),
        ]);
    };
    per_block("counter increment", &mut || increment());
    per_block("token transfer", &mut transfer);
    vec![table]
}
