//! The contract-call and event benchmark, on RocksDB: what one contract call
//! and one library call cost against a function call inside a contract (µs
//! and gas), token transfers per block of 1,000 made directly and through a
//! second contract (the example exchange calling the map token), and how fast
//! events are emitted, indexed, found and expired.

use std::time::Instant;

use svm_state::events::EventQuery;
use svm_state::kv::RocksKv;
use svm_state::{Address, StateConfig, StateDb};
use svm_vm::{Arg, BlockContext, Call, Deploy, Template, Tx, Vm, VmConfig};

use crate::report::{Table, count, median, micros, ratio};
use svm_tests::contract;

/// Sizes of the run.
pub(crate) struct Config {
    /// Blocks of 1,000 transfers per repetition.
    pub(crate) blocks: usize,
    /// Repetitions (medians are reported).
    pub(crate) reps: usize,
}

const AUTHOR: Address = Address::repeat_byte(0x05);
const TX_GAS: u64 = 30_000_000;

/// Loops of function calls, contract calls, library calls and events.
const LOOPS: &str = r#"(module
  (import "svm" "call" (func $call (param i32 i32 i32 i32 i32 i32 i64) (result i32)))
  (import "svm" "delegate_call" (func $delegate (param i32 i32 i32 i32 i32 i64) (result i32)))
  (import "svm" "emit" (func $emit (param i32 i32 i32 i32 i64)))
  (memory (export "memory") 1 1)
  (@custom "svm-layout" "\80\20\00")
  ;; 100: "noop", 110: the empty argument list, 200..232: no value,
  ;; 300..364: two topics, 400..432: event data, 1024..: the byte argument
  (data (i32.const 100) "noop")
  (data (i32.const 110) "\c0")
  (data (i32.const 300) "svm.bench")
  (func (export "svm_alloc") (param i32) (result i32) (i32.const 1024))
  (func $inner (param $x i32) (result i32) (i32.add (local.get $x) (i32.const 1)))
  (func (export "noop"))
  (func (export "local") (param $n i32)
    (loop $l
      (drop (call $inner (local.get $n)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "calls") (param $to i32) (param $len i32) (param $n i32)
    (loop $l
      (if (call $call (local.get $to) (i32.const 100) (i32.const 4) (i32.const 110)
                      (i32.const 1) (i32.const 200) (i64.const 1000000))
        (then unreachable))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "libs") (param $hash i32) (param $len i32) (param $n i32)
    (loop $l
      (if (call $delegate (local.get $hash) (i32.const 100) (i32.const 4) (i32.const 110)
                          (i32.const 1) (i64.const 1000000))
        (then unreachable))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "events") (param $n i32) (param $ttl i64)
    (loop $l
      (i32.store (i32.const 332) (local.get $n))
      (call $emit (i32.const 300) (i32.const 2) (i32.const 400) (i32.const 32) (local.get $ttl))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
)"#;

fn block(height: u64) -> BlockContext {
    BlockContext { height, time: 0 }
}

fn new_vm() -> (tempfile::TempDir, Vm<RocksKv>) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = StateDb::open_rocks(dir.path(), &StateConfig::default()).expect("database");
    let config = VmConfig {
        max_block_gas: u64::MAX / 2,
        ..VmConfig::default()
    };
    (dir, Vm::new(db, config))
}

fn code(text: &str) -> Vec<u8> {
    svm_vm::wat_to_wasm(text.as_bytes()).expect("valid text")
}

fn deploy(vm: &Vm<RocksKv>, code: Vec<u8>, constructor: Option<(&str, Vec<Arg>)>) -> Address {
    let tx = Deploy {
        author: AUTHOR,
        nonce: vm.next_nonce(&AUTHOR).expect("nonce"),
        code,
        balance: 0u64.into(),
        constructor: constructor.map(|(f, a)| (f.to_string(), a)),
        gas_limit: TX_GAS,
    };
    let r = vm.deploy(&tx, block(1)).expect("no node failure");
    assert!(r.success, "deploy: {r:?}");
    r.contract
}

fn call(contract: Address, sender: Address, function: &str, args: Vec<Arg>) -> Call {
    Call {
        contract,
        sender,
        function: function.to_string(),
        args,
        gas_limit: TX_GAS,
        value: 0u64.into(),
    }
}

/// The median time and the gas of `tx`, run `reps` times on its own.
fn timed(vm: &Vm<RocksKv>, tx: &Call, reps: usize) -> (f64, u64) {
    let mut times = Vec::new();
    let mut gas = 0;
    for _ in 0..reps {
        let start = Instant::now();
        let r = vm.call(tx, block(1)).expect("no node failure");
        times.push(start.elapsed().as_secs_f64());
        assert!(r.success, "{r:?}");
        gas = r.gas_used;
    }
    (median(&mut times), gas)
}

pub(crate) fn run(cfg: &Config) -> Vec<Table> {
    vec![call_costs(cfg), transfers(cfg), events(cfg)]
}

/// One call of each kind: the difference between loops of 1,001 and 1.
fn call_costs(cfg: &Config) -> Table {
    let (_dir, vm) = new_vm();
    let loops = deploy(&vm, code(LOOPS), None);
    let callee = deploy(&vm, code(LOOPS), None);
    let template = code(LOOPS);
    let hash = svm_state::code::code_hash(&template);
    let t = Template {
        author: AUTHOR,
        nonce: vm.next_nonce(&AUTHOR).expect("nonce"),
        code: template,
        gas_limit: TX_GAS,
    };
    assert!(vm.template(&t, block(1)).expect("template").success);
    // Loops of n + 1 and of 1: enough function calls to be timed, enough
    // contract calls within a transaction's gas.
    let kinds: [(&str, &str, Vec<Arg>, i32); 3] = [
        (
            "a function call inside the contract",
            "local",
            vec![],
            500_000,
        ),
        (
            "a contract call (`call`, another contract's empty function)",
            "calls",
            vec![Arg::Bytes(callee.as_bytes().to_vec())],
            1_000,
        ),
        (
            "a library call (`delegate_call`, a template's empty function)",
            "libs",
            vec![Arg::Bytes(hash.as_bytes().to_vec())],
            1_000,
        ),
    ];
    let mut table = Table::new(
        "Contract calls: the cost of one call (a loop of n + 1 calls minus a loop of 1)",
        &[
            "kind",
            "time per call",
            "gas per call",
            "× a function call (time)",
        ],
    );
    let reps = cfg.reps.max(3) * 3;
    let mut local = f64::NAN;
    for (name, function, prefix, n) in kinds {
        let tx = |count: i32| {
            let mut args = prefix.clone();
            args.push(Arg::I32(count));
            call(loops, AUTHOR, function, args)
        };
        let (t1, g1) = timed(&vm, &tx(1), reps);
        let (tn, gn) = timed(&vm, &tx(n + 1), reps);
        let each = (tn - t1).max(0.0) / f64::from(n);
        if function == "local" {
            local = each;
        }
        table.row(vec![
            name.to_string(),
            if each < 1e-6 {
                format!("{:.1} ns", each * 1e9)
            } else {
                micros(each)
            },
            count((gn - g1) as f64 / f64::from(n)),
            ratio(each / local),
        ]);
    }
    table
}

fn buyer(i: usize) -> Address {
    Address::from_low_u64_be(0x4000_0000 + i as u64)
}

/// Transfers per block of 1,000: the token's own `transfer`, and the
/// exchange's `buy` (price 0), which calls the token's `transfer` and emits
/// an event.
fn transfers(cfg: &Config) -> Table {
    let mut table = Table::new(
        "Token transfers per block of 1,000 (median per block, RocksDB)",
        &[
            "transfer",
            "transfers/s",
            "µs per transfer",
            "gas per transfer",
            "× direct (time)",
        ],
    );
    let mut direct = f64::NAN;
    for through_exchange in [false, true] {
        let (_dir, vm) = new_vm();
        let token = deploy(&vm, contract("map_token.wat"), Some(("init", vec![])));
        let exchange = deploy(
            &vm,
            contract("exchange.wat"),
            Some((
                "init",
                vec![Arg::Bytes(token.as_bytes().to_vec()), Arg::I64(0)],
            )),
        );
        // The exchange (or the author, for direct transfers) holds plenty.
        let holder = if through_exchange { exchange } else { AUTHOR };
        let mint = call(
            token,
            AUTHOR,
            "mint",
            vec![Arg::Bytes(holder.as_bytes().to_vec()), Arg::I64(1 << 50)],
        );
        assert!(vm.call(&mint, block(1)).expect("mint").success);
        let mut times = Vec::new();
        let mut gas = 0;
        let mut height = 2;
        for _ in 0..cfg.reps.max(1) {
            for _ in 0..cfg.blocks.max(1) {
                let txs: Vec<Tx> = (0..1_000)
                    .map(|i| {
                        let mut tx = if through_exchange {
                            call(exchange, buyer(i), "buy", vec![Arg::I64(1)])
                        } else {
                            call(
                                token,
                                AUTHOR,
                                "transfer",
                                vec![Arg::Bytes(buyer(i).as_bytes().to_vec()), Arg::I64(1)],
                            )
                        };
                        tx.gas_limit = 1_000_000;
                        Tx::Call(tx)
                    })
                    .collect();
                let start = Instant::now();
                let result = vm.execute_block(&txs, block(height)).expect("block");
                times.push(start.elapsed().as_secs_f64());
                height += 1;
                assert!(result.receipts.iter().all(|r| r.success));
                gas = result.receipts[0].gas_used;
            }
        }
        let per_tx = median(&mut times) / 1_000.0;
        if !through_exchange {
            direct = per_tx;
        }
        table.row(vec![
            if through_exchange {
                "through the exchange (`buy`: a call of the token + an event)".into()
            } else {
                "the token's own `transfer`".into()
            },
            count(1.0 / per_tx),
            micros(per_tx),
            count(gas as f64),
            ratio(per_tx / direct),
        ]);
    }
    table
}

/// Events: blocks of 100 transactions emitting 100 events each (kept 1,000
/// blocks, or in receipts only), queries of the index, and a block whose
/// commit expires a block's worth of events.
fn events(cfg: &Config) -> Table {
    let mut table = Table::new(
        "Events: emitted per block of 100 transactions × 100 events, found, expired (RocksDB)",
        &["what", "median", "rate"],
    );
    let (_dir, vm) = new_vm();
    let loops = deploy(&vm, code(LOOPS), None);
    let blocks = (cfg.blocks.max(1) * 2) as u64;
    let mut height = 10;
    for ttl in [0i64, 1_000] {
        let mut times = Vec::new();
        for _ in 0..blocks {
            let txs: Vec<Tx> = (0..100)
                .map(|_| {
                    Tx::Call(call(
                        loops,
                        AUTHOR,
                        "events",
                        vec![Arg::I32(100), Arg::I64(ttl)],
                    ))
                })
                .collect();
            let start = Instant::now();
            let r = vm.execute_block(&txs, block(height)).expect("block");
            times.push(start.elapsed().as_secs_f64());
            assert!(r.receipts.iter().all(|r| r.success));
            height += 1;
        }
        let t = median(&mut times);
        table.row(vec![
            format!("a block of 10,000 events, time-to-live {ttl}"),
            format!("{:.1} ms", t * 1e3),
            format!("{} events/s", count(10_000.0 / t)),
        ]);
    }
    let kept = blocks * 10_000;
    let mut common = [0u8; 32];
    common[..9].copy_from_slice(b"svm.bench");
    let mut rare = [0u8; 32];
    rare[..4].copy_from_slice(&7u32.to_le_bytes());
    let queries: [(&str, EventQuery); 3] = [
        (
            "the first 100 events with a topic every event has",
            EventQuery {
                contract: None,
                topic: Some(common),
                from: 0,
                to: u64::MAX,
                after: None,
                limit: 100,
            },
        ),
        (
            "the first 100 of the contract's events",
            EventQuery {
                contract: Some(loops),
                topic: None,
                from: 0,
                to: u64::MAX,
                after: None,
                limit: 100,
            },
        ),
        (
            "every event with a topic 1 in 100 events have, in one block",
            EventQuery {
                contract: None,
                topic: Some(rare),
                from: height - 1,
                to: height - 1,
                after: None,
                limit: 1_000,
            },
        ),
    ];
    for (name, q) in queries {
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..cfg.reps.max(1) * 20 {
            let start = Instant::now();
            found = vm.db().events(&q).expect("query").len();
            times.push(start.elapsed().as_secs_f64());
        }
        let t = median(&mut times);
        table.row(vec![
            format!("{name} ({found} found of {} kept)", count(kept as f64)),
            micros(t),
            format!("{} queries/s", count(1.0 / t)),
        ]);
    }
    // Expiry: an empty block at the height where the first indexed block's
    // 10,000 events expire, against an empty block that expires nothing.
    let first_kept = 10 + blocks;
    let mut empty = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        vm.execute_block(&[], block(height)).expect("block");
        empty.push(start.elapsed().as_secs_f64());
        height += 1;
    }
    let start = Instant::now();
    vm.execute_block(&[], block(first_kept + 1_000))
        .expect("block");
    let expiring = start.elapsed().as_secs_f64();
    table.row(vec![
        "an empty block's commit".into(),
        format!("{:.2} ms", median(&mut empty) * 1e3),
        String::new(),
    ]);
    table.row(vec![
        "an empty block's commit that expires 10,000 events".into(),
        format!("{:.2} ms", expiring * 1e3),
        format!("{} events/s", count(10_000.0 / expiring)),
    ]);
    table
}
