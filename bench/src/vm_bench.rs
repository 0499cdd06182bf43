//! The VM benchmark: contract transactions end to end on RocksDB (one commit
//! per transaction and one per block of 1,000) on 100,000 accounts, with the
//! instantiate / execute / commit breakdown; metering overhead against plain
//! wasmer; compile and load-from-cache times.

use std::sync::Arc;
use std::time::{Duration, Instant};

use svm_state::kv::RocksKv;
use svm_state::{Address, StateConfig, StateDb};
use svm_vm::{
    Arg, BlockContext, Call, CompilerKind, Deploy, PhaseTimes, Tiering, Tx, Vm, VmConfig,
    compile_artifact,
};
use wasmer::sys::{CompilerConfig, Cranelift, EngineBuilder, Singlepass};
use wasmer::{Engine, Instance, Module, Store, imports};
use wasmer_middlewares::Metering;

use crate::report::{Table, count, median, micros, ratio};
use svm_tests::{Rng, contract, wide_token};

/// Sizes of the run.
pub(crate) struct Config {
    /// Accounts in the world trie, and holders of the token.
    pub(crate) accounts: usize,
    /// Transactions per repetition of a commit-per-transaction row.
    pub(crate) txs: usize,
    /// Blocks of 1,000 per repetition of a commit-per-block row.
    pub(crate) blocks: usize,
    /// Repetitions (medians are reported).
    pub(crate) reps: usize,
}

pub(crate) const BLOCK: BlockContext = BlockContext { height: 1, time: 0 };
const AUTHOR: Address = Address::repeat_byte(0x05);

pub(crate) fn sender(i: usize) -> Address {
    Address::from_low_u64_be(0x1000_0000 + i as u64)
}

/// Deploys `code` (WebAssembly text or binary).
pub(crate) fn deploy(vm: &Vm<RocksKv>, code: Vec<u8>) -> Address {
    let nonce = vm.next_nonce(&AUTHOR).expect("nonce");
    let code = if code.starts_with(b"\0asm") {
        code
    } else {
        svm_vm::wat_to_wasm(&code).expect("valid text")
    };
    let tx = Deploy {
        author: AUTHOR,
        nonce,
        code,
        balance: 0u64.into(),
        constructor: None,
        gas_limit: 30_000_000,
    };
    let r = vm.deploy(&tx, BLOCK).expect("no node failure");
    assert!(r.success, "deploy: {r:?}");
    r.contract
}

/// Creates the `n` senders' accounts and gives each of the widened token's
/// `n` holders 2^40 (four balances per variable), in one commit.
pub(crate) fn fund(vm: &Vm<RocksKv>, token: &Address, n: usize) {
    let mut session = vm.db().begin().expect("session");
    for i in 0..n {
        session
            .create_account(&sender(i), 1_000_000u64.into())
            .expect("account");
    }
    let balances = (1u64 << 40).to_le_bytes().repeat(4);
    for v in 0..n.div_ceil(4) {
        session
            .write_variable(token, v as u32 + 1, &balances)
            .expect("balances");
    }
    session
        .write_variable(token, 0, &((n as u64) << 40).to_le_bytes())
        .expect("supply");
    session.commit().expect("commit");
}

/// The gas limit of the benchmark's transactions.
pub(crate) const TX_GAS: u64 = 200_000;

pub(crate) fn call(contract: Address, sender: Address, function: &str, args: Vec<Arg>) -> Call {
    Call {
        contract,
        sender,
        function: function.into(),
        args,
        gas_limit: TX_GAS,
        value: 0u64.into(),
    }
}

/// The difference of two phase totals.
fn delta(after: PhaseTimes, before: PhaseTimes) -> PhaseTimes {
    PhaseTimes {
        runs: after.runs - before.runs,
        instantiate: after.instantiate - before.instantiate,
        execute: after.execute - before.execute,
        commits: after.commits - before.commits,
        commit: after.commit - before.commit,
    }
}

/// Medians over repetitions of one row: seconds per transaction, and the
/// phases per transaction.
struct Sample {
    total: Vec<f64>,
    instantiate: Vec<f64>,
    execute: Vec<f64>,
    commit: Vec<f64>,
    gas: u64,
}

impl Sample {
    fn new() -> Self {
        Sample {
            total: Vec::new(),
            instantiate: Vec::new(),
            execute: Vec::new(),
            commit: Vec::new(),
            gas: 0,
        }
    }

    fn add(&mut self, elapsed: Duration, phases: PhaseTimes, txs: usize) {
        let per = |d: Duration| d.as_secs_f64() / txs as f64;
        self.total.push(per(elapsed));
        self.instantiate.push(per(phases.instantiate));
        self.execute.push(per(phases.execute));
        self.commit.push(per(phases.commit));
    }

    fn row(mut self, name: String) -> Vec<String> {
        let total = median(&mut self.total);
        vec![
            name,
            micros(total),
            count(1.0 / total),
            micros(median(&mut self.instantiate)),
            micros(median(&mut self.execute)),
            micros(median(&mut self.commit)),
            self.gas.to_string(),
        ]
    }
}

/// Runs the VM measurements and returns the result tables.
pub(crate) fn run(cfg: &Config) -> Vec<Table> {
    let mut tables = transactions(cfg);
    tables.extend([
        metering(cfg.reps),
        compile_times(cfg.reps),
        tiering_budget(),
    ]);
    tables
}

/// Counter increments and token transfers end to end: on singlepass alone,
/// then with both contracts tiered to Cranelift (hot from their first call;
/// the default makes a contract hot after 1,000 calls).
fn transactions(cfg: &Config) -> Vec<Table> {
    let hot = Tiering {
        hot_calls: 1,
        ..Tiering::default()
    };
    vec![
        transactions_with(cfg, None, "singlepass alone"),
        transactions_with(cfg, Some(hot), "hot contracts tiered to Cranelift"),
    ]
}

/// A VM on a fresh RocksDB database whose blocks hold 1,000 transactions of
/// up to [`TX_GAS`] each: twice the default block gas limit (which holds
/// about 950 token transfers).
pub(crate) fn block_vm(tiering: Option<Tiering>) -> (tempfile::TempDir, Vm<RocksKv>) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = StateDb::open_rocks(dir.path(), &StateConfig::default()).expect("database");
    let vm = Vm::new(
        db,
        VmConfig {
            max_block_gas: 1_000 * TX_GAS,
            tiering,
            ..VmConfig::default()
        },
    );
    (dir, vm)
}

fn transactions_with(cfg: &Config, tiering: Option<Tiering>, label: &str) -> Table {
    let tiered = tiering.is_some();
    let (_dir, vm) = block_vm(tiering);
    let n = cfg.accounts;
    let counter = deploy(&vm, contract("counter.wat"));
    let token = deploy(&vm, wide_token(n));
    fund(&vm, &token, n);
    if tiered {
        // One call of each makes it hot; its Cranelift code is in before
        // the rows.
        for (c, f) in [(counter, "get"), (token, "missing")] {
            vm.call(&call(c, AUTHOR, f, vec![]), BLOCK)
                .expect("no node failure");
        }
        vm.settle_tiering();
        assert_eq!(vm.module_stats().tier_ups, 2, "both contracts are tiered");
    }

    let mut rng = Rng::new(5);
    let mut transfer = || {
        let (from, to) = (rng.below(n), rng.below(n));
        let args = vec![Arg::I32(from as i32), Arg::I32(to as i32), Arg::I64(1)];
        call(token, sender(from), "transfer", args)
    };
    let mut rng = Rng::new(6);
    let mut increment = || {
        let from = sender(rng.below(n));
        call(counter, from, "increment", vec![Arg::I64(1)])
    };
    let mut empty = || call(counter, sender(0), "nope", vec![]);

    let mut table = Table::new(
        &format!(
            "End-to-end transactions on RocksDB, {} accounts (metered; {label})",
            count(n as f64)
        ),
        &[
            "",
            "per transaction",
            "transactions/s",
            "instantiate",
            "execute",
            "commit",
            "gas per transaction",
        ],
    );
    let mut per_tx = |name: &str, make: &mut dyn FnMut() -> Call, commits: bool| {
        let mut sample = Sample::new();
        for _ in 0..cfg.reps {
            let txs: Vec<Call> = (0..cfg.txs).map(|_| make()).collect();
            let before = vm.phase_times();
            let t = Instant::now();
            for tx in &txs {
                let r = vm.call(tx, BLOCK).expect("no node failure");
                assert_eq!(r.success, commits, "{r:?}");
                sample.gas = r.gas_used;
            }
            sample.add(t.elapsed(), delta(vm.phase_times(), before), txs.len());
        }
        let how = if commits {
            "commit per transaction"
        } else {
            "nothing to commit"
        };
        table.row(sample.row(format!("{name}, {how}")));
    };
    per_tx("counter increment", &mut increment, true);
    per_tx("token transfer", &mut transfer, true);
    per_tx("call of a missing function", &mut empty, false);
    let mut per_block = |name: &str, make: &mut dyn FnMut() -> Call| {
        let mut sample = Sample::new();
        for _ in 0..cfg.reps {
            let blocks: Vec<Vec<Tx>> = (0..cfg.blocks)
                .map(|_| (0..1_000).map(|_| Tx::Call(make())).collect())
                .collect();
            let before = vm.phase_times();
            let t = Instant::now();
            for txs in &blocks {
                let block = vm.execute_block(txs, BLOCK).expect("block");
                assert!(block.receipts.iter().all(|r| r.success));
                sample.gas = block.receipts[0].gas_used;
            }
            sample.add(
                t.elapsed(),
                delta(vm.phase_times(), before),
                cfg.blocks * 1_000,
            );
        }
        table.row(sample.row(format!("{name}, commit per block of 1,000")));
    };
    per_block("counter increment", &mut increment);
    per_block("token transfer", &mut transfer);
    table
}

/// Compute-bound kernels (no vmcalls inside): `mix(rounds)` chains 64-bit
/// multiplications and shifts; `sort(n)` fills memory with `n` pseudo-random
/// i32s and insertion-sorts them (loads, stores and branches).
const COMPUTE: &str = r#"(module
  (memory (export "memory") 1 1)
  (@custom "svm-layout" "\80\20\01\08")
  (func (export "mix") (param $rounds i32) (result i64)
    (local $x i64)
    (local.set $x (i64.const 0x9e3779b97f4a7c15))
    (loop $l
      (local.set $x (i64.mul (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 29)))
                             (i64.const 0xbf58476d1ce4e5b9)))
      (local.set $x (i64.add (local.get $x) (i64.extend_i32_u (local.get $rounds))))
      (br_if $l (local.tee $rounds (i32.sub (local.get $rounds) (i32.const 1)))))
    (local.get $x))
  (func (export "sort") (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $v i32) (local $seed i32)
    (local.set $seed (i32.const 12345))
    (loop $fill
      (local.set $seed (i32.add (i32.mul (local.get $seed) (i32.const 1103515245)) (i32.const 12345)))
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $seed))
      (br_if $fill (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (local.set $i (i32.const 1))
    (loop $outer
      (local.set $v (i32.load (i32.shl (local.get $i) (i32.const 2))))
      (local.set $j (local.get $i))
      (block $done
        (loop $inner
          (br_if $done (i32.eqz (local.get $j)))
          (br_if $done (i32.le_s (i32.load (i32.sub (i32.shl (local.get $j) (i32.const 2)) (i32.const 4)))
                                 (local.get $v)))
          (i32.store (i32.shl (local.get $j) (i32.const 2))
                     (i32.load (i32.sub (i32.shl (local.get $j) (i32.const 2)) (i32.const 4))))
          (local.set $j (i32.sub (local.get $j) (i32.const 1)))
          (br $inner)))
      (i32.store (i32.shl (local.get $j) (i32.const 2)) (local.get $v))
      (br_if $outer (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $n))))
    (i64.extend_i32_s (i32.load (i32.const 0))))
)"#;

/// The kernels and their arguments.
const KERNELS: [(&str, i32); 2] = [("mix", 2_000_000), ("sort", 2_000)];

/// Seconds of `kernel(arg)` on plain wasmer, metered or not.
/// How `plain_wasmer` meters.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Meter {
    /// Not at all.
    Off,
    /// wasmer's `Metering`: svm's prices charged per basic block (gas
    /// rules v2).
    PerBlock,
    /// svm's `RegionMetering`: charged per function entry and loop
    /// iteration (gas rules v3, what svm runs).
    PerRegion,
}

fn plain_wasmer(kind: CompilerKind, meter: Meter, (kernel, arg): (&str, i32), reps: usize) -> f64 {
    fn engine(mut config: impl CompilerConfig + 'static, meter: Meter) -> Engine {
        match meter {
            Meter::Off => {}
            Meter::PerBlock => config.push_middleware(Arc::new(Metering::new(
                u64::MAX,
                svm_vm::gas::operator_cost,
            ))),
            Meter::PerRegion => config.push_middleware(Arc::new(svm_vm::RegionMetering::default())),
        }
        EngineBuilder::new(config).into()
    }
    let engine = match kind {
        CompilerKind::Singlepass => engine(Singlepass::new(), meter),
        CompilerKind::Cranelift => engine(Cranelift::new(), meter),
    };
    let mut store = Store::new(engine);
    let module = Module::new(&store, COMPUTE).expect("module");
    let instance = Instance::new(&mut store, &module, &imports! {}).expect("instance");
    if meter == Meter::PerRegion {
        wasmer_middlewares::metering::set_remaining_points(&mut store, &instance, u64::MAX / 2);
    }
    let f = instance
        .exports
        .get_typed_function::<i32, i64>(&store, kernel)
        .expect("kernel");
    let mut samples: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f.call(&mut store, arg).expect("runs"));
            t.elapsed().as_secs_f64()
        })
        .collect();
    median(&mut samples)
}

/// Seconds of a call of `kernel(arg)` through svm (metering, call depth,
/// instantiation, receipt), and its gas.
/// With `tiering`, a first call makes the module hot and the measured calls
/// run once its Cranelift code is in.
fn through_svm(
    kind: CompilerKind,
    tiering: Option<Tiering>,
    (kernel, arg): (&str, i32),
    reps: usize,
) -> (f64, u64) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = StateDb::open_rocks(dir.path(), &StateConfig::default()).expect("database");
    let tiered = tiering.is_some();
    let vm = Vm::new(
        db,
        VmConfig {
            compiler: kind,
            // The kernels run far longer than a transaction may.
            max_tx_gas: u64::MAX / 2,
            tiering,
            ..VmConfig::default()
        },
    );
    let c = deploy(&vm, COMPUTE.as_bytes().to_vec());
    if tiered {
        let warm = call(c, AUTHOR, kernel, vec![Arg::I32(1)]);
        vm.call(&warm, BLOCK).expect("no node failure");
        vm.settle_tiering();
        assert_eq!(vm.module_stats().tier_ups, 1);
    }
    let mut gas = 0;
    let mut samples: Vec<f64> = (0..reps)
        .map(|_| {
            let tx = Call {
                gas_limit: u64::MAX / 2,
                ..call(c, AUTHOR, kernel, vec![Arg::I32(arg)])
            };
            let t = Instant::now();
            let r = vm.call(&tx, BLOCK).expect("no node failure");
            let s = t.elapsed().as_secs_f64();
            assert!(r.success, "{r:?}");
            gas = r.gas_used;
            s
        })
        .collect();
    (median(&mut samples), gas)
}

/// Metered against unmetered execution of the same compute-bound code:
/// wasmer's per-basic-block metering (gas rules v2) beside svm's per-region
/// metering (v3) on plain wasmer, and the whole svm call.
pub(crate) fn metering(reps: usize) -> Table {
    let mut table = Table::new(
        "Metering overhead on compute-bound kernels (mix: 2,000,000 rounds; sort: insertion sort of 2,000 i32s)",
        &[
            "kernel",
            "compiler",
            "wasmer unmetered",
            "per basic block (v2)",
            "per region (v3)",
            "svm call (v3 + call depth)",
            "v2 ÷ unmetered",
            "v3 ÷ unmetered",
            "svm ÷ unmetered",
            "gas (v3)",
        ],
    );
    let reps = reps.max(5);
    let ms = |s: f64| {
        if s.is_nan() {
            "–".to_string()
        } else {
            format!("{:.2} ms", s * 1e3)
        }
    };
    let per = |a: f64, b: f64| {
        if a.is_nan() {
            "–".to_string()
        } else {
            ratio(a / b)
        }
    };
    for kernel in KERNELS {
        let hot = Tiering {
            hot_calls: 1,
            ..Tiering::default()
        };
        let mut plain_singlepass = 0.0;
        for (kind, tiering) in [
            (CompilerKind::Singlepass, None),
            (CompilerKind::Cranelift, None),
            (CompilerKind::Singlepass, Some(hot)),
        ] {
            let name = match (kind, &tiering) {
                (_, Some(_)) => "singlepass, tiered (hot: Cranelift)".to_string(),
                _ => kind.name().to_string(),
            };
            // The tiered row against singlepass's own unmetered time: what
            // a contract deployed on singlepass gains once hot.
            let (plain, per_block, per_region) = if tiering.is_some() {
                (plain_singlepass, f64::NAN, f64::NAN)
            } else {
                (
                    plain_wasmer(kind, Meter::Off, kernel, reps),
                    plain_wasmer(kind, Meter::PerBlock, kernel, reps),
                    plain_wasmer(kind, Meter::PerRegion, kernel, reps),
                )
            };
            if kind == CompilerKind::Singlepass && tiering.is_none() {
                plain_singlepass = plain;
            }
            let (svm, gas) = through_svm(kind, tiering, kernel, reps);
            table.row(vec![
                kernel.0.to_string(),
                name,
                ms(plain),
                ms(per_block),
                ms(per_region),
                ms(svm),
                per(per_block, plain),
                per(per_region, plain),
                ratio(svm / plain),
                count(gas as f64),
            ]);
        }
    }
    table
}

/// A module of `functions` small functions, each calling the next.
fn large_module(functions: usize) -> Vec<u8> {
    let mut wat = String::from(
        "(module (memory (export \"memory\") 1 1) (@custom \"svm-layout\" \"\\80\\20\\01\\08\")\n",
    );
    for i in 0..functions {
        let next = if i + 1 < functions {
            format!("(call $f{} (local.get 1))", i + 1)
        } else {
            "(local.get 1)".to_string()
        };
        wat.push_str(&format!(
            "(func $f{i} (param i64) (result i64) (local i64)
               (local.set 1 (i64.add (local.get 0) (i64.const {i})))
               (if (i64.gt_u (local.get 1) (i64.const 1000000))
                 (then (return (i64.mul (local.get 1) (i64.const 3)))))
               (i64.xor {next} (i64.rotl (local.get 0) (i64.const 7))))\n"
        ));
    }
    wat.push_str("(export \"run\" (func $f0)))");
    wat::parse_str(&wat).expect("a module")
}

/// Compile time, and load time from the disk cache, of a small and a large
/// module.
fn compile_times(reps: usize) -> Table {
    let mut table = Table::new(
        "Compile, and load from the module caches",
        &[
            "module",
            "compiler",
            "code bytes",
            "artifact bytes",
            "compile",
            "first call from disk cache (load + instantiate)",
            "call from memory cache (instantiate)",
        ],
    );
    let small = contract("counter.wat");
    let large = large_module(2_000);
    for (name, code, function) in [
        ("counter (small)", small, "get"),
        ("2,000 functions (large)", large, "missing"),
    ] {
        for kind in [CompilerKind::Singlepass, CompilerKind::Cranelift] {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let config = VmConfig {
                compiler: kind,
                artifact_dir: Some(dir.path().join("artifacts")),
                ..VmConfig::default()
            };
            let mut compile = Vec::new();
            let mut artifact = 0;
            for _ in 0..reps {
                let t = Instant::now();
                artifact = compile_artifact(&code, &config).expect("compiles").len();
                compile.push(t.elapsed().as_secs_f64());
            }
            let open = || {
                let db = StateDb::open_rocks(&dir.path().join("db"), &StateConfig::default())
                    .expect("database");
                Vm::new(db, config.clone())
            };
            let contract = deploy(&open(), code.clone());
            let (mut disk, mut memory) = (Vec::new(), Vec::new());
            for _ in 0..reps {
                // A fresh VM: its memory cache is empty, its disk cache not.
                let vm = open();
                for samples in [&mut disk, &mut memory] {
                    let before = vm.phase_times();
                    vm.call(&call(contract, AUTHOR, function, vec![]), BLOCK)
                        .expect("no node failure");
                    samples.push(delta(vm.phase_times(), before).instantiate.as_secs_f64());
                }
                assert_eq!(vm.module_stats().disk_hits, 1);
            }
            table.row(vec![
                name.to_string(),
                kind.name().to_string(),
                count(code.len() as f64),
                count(artifact as f64),
                format!("{:.2} ms", median(&mut compile) * 1e3),
                micros(median(&mut disk)),
                micros(median(&mut memory)),
            ]);
        }
    }
    table
}

/// A module built to make an optimizing compiler slow: one function with
/// `locals` i64 locals (validation's bound is 1,000) and `statements`
/// assignments, each adding two pseudo-random locals into a third, so every
/// local stays live across the whole body.
fn register_pressure(locals: u32, statements: usize) -> Vec<u8> {
    let mut wat = String::from(
        "(module (memory (export \"memory\") 1 1) (@custom \"svm-layout\" \"\\80\\20\\01\\08\")\n(func (export \"run\") (result i64)",
    );
    wat.push_str(&format!(" (local{})\n", " i64".repeat(locals as usize)));
    let mut rng = Rng::new(11);
    let l = locals as usize;
    for _ in 0..statements {
        let (a, b, c) = (rng.below(l), rng.below(l), rng.below(l));
        wat.push_str(&format!(
            "(local.set {c} (i64.add (local.get {a}) (i64.mul (local.get {b}) (i64.const 3))))\n"
        ));
    }
    let mut sum = String::from("(local.get 0)");
    for i in 1..l.min(64) {
        sum = format!("(i64.xor {sum} (local.get {i}))");
    }
    wat.push_str(&sum);
    wat.push_str("))");
    wat::parse_str(&wat).expect("a module")
}

/// A module built to make an optimizing compiler slow another way: one
/// function of `loops` loops in a row, each assigning `per_loop` random
/// locals of `locals` and branching back, and all locals read at the end:
/// every local is live across every loop (SSA values through every loop
/// header, for the register allocator).
fn loop_chain(locals: u32, loops: usize, per_loop: usize) -> Vec<u8> {
    let l = locals as usize;
    let mut wat = String::from(
        "(module (memory (export \"memory\") 1 1) (@custom \"svm-layout\" \"\\80\\20\\01\\08\")\n(func (export \"run\") (param i32) (result i64)",
    );
    wat.push_str(&format!(" (local{})\n", " i64".repeat(l - 1)));
    let mut rng = Rng::new(12);
    for _ in 0..loops {
        wat.push_str("(loop");
        for _ in 0..per_loop {
            let (a, b, c) = (
                1 + rng.below(l - 1),
                1 + rng.below(l - 1),
                1 + rng.below(l - 1),
            );
            wat.push_str(&format!(
                " (local.set {c} (i64.add (local.get {a}) (local.get {b})))"
            ));
        }
        wat.push_str(" (br_if 0 (i32.eqz (local.get 0))))\n");
    }
    let mut sum = String::from("(local.get 1)");
    for i in 2..l {
        sum = format!("(i64.xor {sum} (local.get {i}))");
    }
    wat.push_str(&sum);
    wat.push_str("))");
    wat::parse_str(&wat).expect("a module")
}

/// What the compile budget does with modules built to be slow to compile
/// with Cranelift: each made hot under the default tiering and waited for.
pub(crate) fn tiering_budget() -> Table {
    let mut table = Table::new(
        &format!(
            "Tiering's compile budget ({} ms) on modules slow to optimize",
            Tiering::default().compile_budget.as_millis()
        ),
        &[
            "module",
            "code bytes",
            "singlepass compile",
            "Cranelift compile (alone)",
            "tiering outcome",
            "until settled (compile, or the overrun's end)",
        ],
    );
    let modules = [
        ("2,000 small functions", large_module(2_000)),
        (
            "1 function, 1,000 locals, 5,000 statements",
            register_pressure(1_000, 5_000),
        ),
        (
            "1 function, 1,000 locals, 15,000 statements",
            register_pressure(1_000, 15_000),
        ),
        (
            "1 function, 1,000 locals, 1,000 loops",
            loop_chain(1_000, 1_000, 4),
        ),
        (
            "1 function, 1,000 locals, 12,000 loops",
            loop_chain(1_000, 12_000, 1),
        ),
    ];
    for (name, code) in modules {
        let single = VmConfig::default();
        let t = Instant::now();
        compile_artifact(&code, &single).expect("compiles");
        let singlepass = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let cranelift = VmConfig {
            compiler: CompilerKind::Cranelift,
            ..VmConfig::default()
        };
        compile_artifact(&code, &cranelift).expect("compiles");
        let optimizing = t.elapsed().as_secs_f64();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = StateDb::open_rocks(dir.path(), &StateConfig::default()).expect("database");
        let vm = Vm::new(
            db,
            VmConfig {
                tiering: Some(Tiering {
                    hot_calls: 1,
                    ..Tiering::default()
                }),
                ..VmConfig::default()
            },
        );
        let c = deploy(&vm, code.clone());
        vm.call(&call(c, AUTHOR, "missing", vec![]), BLOCK)
            .expect("no node failure");
        let t = Instant::now();
        vm.settle_tiering();
        let busy = t.elapsed().as_secs_f64();
        let stats = vm.module_stats();
        let outcome = match (stats.tier_ups, stats.tier_refusals) {
            (1, 0) => "tiered",
            (0, 1) => "refused: stays on singlepass",
            (0, 0) => "not queued: over the tiering size bound",
            _ => "unexpected counters",
        };
        table.row(vec![
            name.to_string(),
            count(code.len() as f64),
            format!("{:.1} ms", singlepass * 1e3),
            format!("{:.1} ms", optimizing * 1e3),
            outcome.to_string(),
            format!("{:.1} ms", busy * 1e3),
        ]);
    }
    table
}

/// The sort kernel `reps` times on singlepass, metered as `meter` says
/// (`unmetered`, `v2` per basic block, `v3` per region): a target for
/// callgrind, whose instruction counts repeat exactly.
pub(crate) fn profile_sort(meter: &str, reps: usize) {
    let meter = match meter {
        "v2" => Meter::PerBlock,
        "v3" => Meter::PerRegion,
        _ => Meter::Off,
    };
    let sort = KERNELS[1];
    let median = plain_wasmer(CompilerKind::Singlepass, meter, sort, reps);
    println!("sort: median {:.3} ms", median * 1e3);
}

/// `blocks` blocks of 1,000 token transfers between `accounts` holders on
/// RocksDB, singlepass alone, printing the median block: a target for a
/// profiler.
pub(crate) fn profile_transfers(accounts: usize, blocks: usize) {
    let (_dir, vm) = block_vm(None);
    let token = deploy(&vm, wide_token(accounts));
    fund(&vm, &token, accounts);
    let mut rng = Rng::new(5);
    let mut times: Vec<f64> = (0..blocks)
        .map(|_| {
            let txs: Vec<Tx> = (0..1_000)
                .map(|_| {
                    let (from, to) = (rng.below(accounts), rng.below(accounts));
                    let args = vec![Arg::I32(from as i32), Arg::I32(to as i32), Arg::I64(1)];
                    Tx::Call(call(token, sender(from), "transfer", args))
                })
                .collect();
            let t = Instant::now();
            let block = vm.execute_block(&txs, BLOCK).expect("block");
            assert!(block.receipts.iter().all(|r| r.success));
            t.elapsed().as_secs_f64()
        })
        .collect();
    println!(
        "{blocks} blocks of 1,000 transfers: median {} per block",
        micros(median(&mut times))
    );
}
