//! The map-token benchmark: transfers through the VM on RocksDB with one
//! commit per block of 1,000, the balances in a map<address, u64>
//! (examples/contracts/map_token.wat) at 100,000 and 1,000,000 holders,
//! side by side in the same run with the fixed-variable token (balances
//! packed in a layout's variables, which holds at most 262,144 holders).

use std::time::Instant;

use svm_state::kv::RocksKv;
use svm_state::structure::PathKey;
use svm_state::{Address, StructurePath};
use svm_vm::{Arg, BlockContext, Call, Deploy, Tx, Vm, VmConfig};

use crate::report::{Table, count, median, micros, ratio};
use svm_tests::{Rng, contract, wide_token};

/// Sizes of the run.
pub(crate) struct Config {
    /// Holder counts, one row each per token.
    pub(crate) holders: Vec<usize>,
    /// Blocks of 1,000 transfers per repetition.
    pub(crate) blocks: usize,
    /// Repetitions (medians are reported).
    pub(crate) reps: usize,
}

const BLOCK: BlockContext = BlockContext { height: 1, time: 0 };
const AUTHOR: Address = Address::repeat_byte(0x05);
const TX_GAS: u64 = 200_000;
/// The map token's balances variable.
const BALANCES: u32 = 2;
/// The largest fixed-variable token (65,536 variables of four balances).
const FIXED_MAX: usize = 262_000;

fn holder(i: usize) -> Address {
    Address::from_low_u64_be(0x2000_0000 + i as u64)
}

fn new_vm() -> (tempfile::TempDir, Vm<RocksKv>) {
    crate::vm_bench::block_vm(VmConfig::default().tiering)
}

fn deploy(vm: &Vm<RocksKv>, code: Vec<u8>, constructor: Option<&str>) -> Address {
    let tx = Deploy {
        author: AUTHOR,
        nonce: vm.next_nonce(&AUTHOR).expect("nonce"),
        code,
        balance: 0u64.into(),
        constructor: constructor.map(|c| (c.to_string(), vec![])),
        gas_limit: 30_000_000,
    };
    let r = vm.deploy(&tx, BLOCK).expect("no node failure");
    assert!(r.success, "deploy: {r:?}");
    r.contract
}

/// A map token whose `n` holders hold 2^40 each (written in commits of
/// 100,000 through the state, as a genesis would).
fn map_token(vm: &Vm<RocksKv>, n: usize) -> Address {
    let token = deploy(vm, contract("map_token.wat"), Some("init"));
    let balances = StructurePath::variable(BALANCES);
    let balance = (1u64 << 40).to_le_bytes();
    for start in (0..n).step_by(100_000) {
        let mut s = vm.db().begin().expect("session");
        for i in start..n.min(start + 100_000) {
            let key = PathKey::Key(holder(i).as_bytes().to_vec());
            s.set_element(&token, &balances, &key, &balance)
                .expect("balance");
        }
        s.commit().expect("commit");
    }
    let mut s = vm.db().begin().expect("session");
    s.write_variable(&token, 0, &((n as u64) << 40).to_le_bytes())
        .expect("supply");
    s.commit().expect("commit");
    token
}

/// The fixed-variable token of `n` holders, 2^40 each.
fn fixed_token(vm: &Vm<RocksKv>, n: usize) -> Address {
    let token = deploy(vm, wide_token(n), None);
    let mut s = vm.db().begin().expect("session");
    let balances = (1u64 << 40).to_le_bytes().repeat(4);
    for v in 0..n.div_ceil(4) {
        s.write_variable(&token, v as u32 + 1, &balances)
            .expect("balances");
    }
    s.write_variable(&token, 0, &((n as u64) << 40).to_le_bytes())
        .expect("supply");
    s.commit().expect("commit");
    token
}

/// Median seconds per transaction over `cfg.reps` runs of `cfg.blocks`
/// blocks of 1,000 transfers, and the gas of one.
fn measure(vm: &Vm<RocksKv>, cfg: &Config, make: &mut dyn FnMut() -> Call) -> (f64, u64) {
    let mut per_tx = Vec::new();
    let mut gas = 0;
    for _ in 0..cfg.reps {
        let blocks: Vec<Vec<Tx>> = (0..cfg.blocks)
            .map(|_| (0..1_000).map(|_| Tx::Call(make())).collect())
            .collect();
        let t = Instant::now();
        for txs in &blocks {
            let block = vm.execute_block(txs, BLOCK).expect("block");
            assert!(
                block.receipts.iter().all(|r| r.success),
                "a transfer failed"
            );
            gas = block.receipts[0].gas_used;
        }
        per_tx.push(t.elapsed().as_secs_f64() / (cfg.blocks * 1_000) as f64);
    }
    (median(&mut per_tx), gas)
}

fn call(contract: Address, sender: Address, args: Vec<Arg>) -> Call {
    Call {
        contract,
        sender,
        function: "transfer".into(),
        args,
        gas_limit: TX_GAS,
        value: 0u64.into(),
    }
}

/// Runs the measurements and returns the table.
pub(crate) fn run(cfg: &Config) -> Table {
    let mut table = Table::new(
        "Token transfers through the VM on RocksDB, commit per block of 1,000 (singlepass, metered)",
        &[
            "",
            "holders",
            "per transfer",
            "transfers/s",
            "gas per transfer",
            "time vs fixed token",
        ],
    );
    for &n in &cfg.holders {
        let fixed = (n <= FIXED_MAX).then(|| {
            let (_dir, vm) = new_vm();
            let token = fixed_token(&vm, n);
            let mut rng = Rng::new(7);
            measure(&vm, cfg, &mut || {
                let (from, to) = (rng.below(n), rng.below(n));
                let args = vec![Arg::I32(from as i32), Arg::I32(to as i32), Arg::I64(1)];
                call(token, holder(from), args)
            })
        });
        let (_dir, vm) = new_vm();
        let token = map_token(&vm, n);
        let mut rng = Rng::new(7);
        let (map_s, map_gas) = measure(&vm, cfg, &mut || {
            let (from, to) = (rng.below(n), rng.below(n));
            let args = vec![Arg::Bytes(holder(to).as_bytes().to_vec()), Arg::I64(1)];
            call(token, holder(from), args)
        });
        match fixed {
            Some((s, gas)) => table.row(vec![
                "fixed-variable token".into(),
                count(n as f64),
                micros(s),
                count(1.0 / s),
                count(gas as f64),
                ratio(1.0),
            ]),
            None => table.row(vec![
                "fixed-variable token".into(),
                count(n as f64),
                "—".into(),
                "—".into(),
                "—".into(),
                format!("its layout holds at most {}", count(FIXED_MAX as f64)),
            ]),
        }
        table.row(vec![
            "map token".into(),
            count(n as f64),
            micros(map_s),
            count(1.0 / map_s),
            count(map_gas as f64),
            fixed.map_or("—".into(), |(s, _)| ratio(map_s / s)),
        ]);
    }
    table
}
