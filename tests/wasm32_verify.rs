//! svm-verify inside WebAssembly: the verifier built for
//! `wasm32-unknown-unknown` (proofs/verify/probe) and run under wasmer
//! accepts the receipt and variable proofs a node makes, with the answers
//! the native verifier gives, and refuses every spoiled byte.

use std::path::PathBuf;
use std::process::Command;

use svm_proofs::verify::binary;
use svm_proofs::{prove_receipt, prove_variable};
use svm_state::kv::MemoryKv;
use svm_state::{Address, StateConfig, StateDb};
use svm_vm::{Arg, BlockContext, Call, Deploy, Tx, Vm, VmConfig};
use wasmer::{Instance, Memory, Module, Store, TypedFunction, imports};

const ALICE: Address = Address::repeat_byte(0xa1);

/// Builds the probe for wasm32 (in this test's own target directory, so it
/// never waits on the build that runs the tests) and returns its bytes.
fn probe() -> Vec<u8> {
    let target = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wasm32-probe");
    let out = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--locked",
            "--offline",
            "-p",
            "svm-verify-probe",
            "--target",
            "wasm32-unknown-unknown",
            "--target-dir",
        ])
        .arg(&target)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "building the probe for wasm32 (is the target installed? `rustup target add wasm32-unknown-unknown`): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wasm = target.join("wasm32-unknown-unknown/release/svm_verify_probe.wasm");
    std::fs::read(&wasm).unwrap_or_else(|e| panic!("{}: {e}", wasm.display()))
}

/// The probe, instantiated: its memory and exports.
struct Probe {
    store: Store,
    memory: Memory,
    alloc: TypedFunction<i32, i32>,
    receipt: TypedFunction<(i32, i32, i32), i64>,
    variable: TypedFunction<(i32, i32, i32), i64>,
}

impl Probe {
    fn new() -> Self {
        let mut store = Store::default();
        let module = Module::new(&store, probe()).expect("the probe compiles");
        assert_eq!(module.imports().count(), 0, "the verifier imports nothing");
        let instance = Instance::new(&mut store, &module, &imports! {}).expect("instantiates");
        let e = &instance.exports;
        Probe {
            memory: e.get_memory("memory").expect("memory").clone(),
            alloc: e
                .get_typed_function(&store, "probe_alloc")
                .expect("probe_alloc"),
            receipt: e
                .get_typed_function(&store, "verify_receipt")
                .expect("verify_receipt"),
            variable: e
                .get_typed_function(&store, "verify_variable")
                .expect("verify_variable"),
            store,
        }
    }

    /// Copies `bytes` into the module's memory; returns where.
    fn put(&mut self, bytes: &[u8]) -> i32 {
        let at = self
            .alloc
            .call(&mut self.store, bytes.len().max(1) as i32)
            .expect("alloc");
        self.memory
            .view(&self.store)
            .write(at as u32 as u64, bytes)
            .expect("in memory");
        at
    }

    fn verify(&mut self, receipt: bool, proof: &[u8], root: &[u8; 32]) -> i64 {
        let (p, r) = (self.put(proof), self.put(root));
        let f = if receipt {
            &self.receipt
        } else {
            &self.variable
        };
        f.call(&mut self.store, p, proof.len() as i32, r)
            .expect("the verifier never traps")
    }
}

#[test]
fn proofs_verify_inside_wasm32_as_they_do_natively() {
    let db = StateDb::open(MemoryKv::new(), &StateConfig::default()).unwrap();
    let vm = Vm::new(db, VmConfig::default());
    let block = BlockContext { height: 1, time: 1 };
    let deploy = Tx::Deploy(Deploy {
        author: ALICE,
        nonce: 0,
        code: svm_tests::contract("counter.wat"),
        balance: 0u64.into(),
        constructor: None,
        gas_limit: 1_000_000,
    });
    let c = vm.execute_block(&[deploy], block).unwrap().receipts[0].contract;
    let call = |function: &str, args: Vec<Arg>| {
        Tx::Call(Call {
            contract: c,
            sender: ALICE,
            function: function.into(),
            args,
            gas_limit: 200_000,
            value: 0u64.into(),
        })
    };
    let txs = vec![
        call("increment", vec![Arg::I64(7)]),
        call("fail_after_write", vec![]),
        call("get", vec![]),
    ];
    let result = vm
        .execute_block(&txs, BlockContext { height: 2, time: 2 })
        .unwrap();
    let mut probe = Probe::new();
    let receipts_root = result.receipts_root.0;
    for (i, r) in result.receipts.iter().enumerate() {
        let (proof, record, _) = prove_receipt(vm.db(), 2, i as u64).unwrap();
        assert_eq!(record, r.record());
        let bytes = binary::encode_receipt(&proof);
        assert_eq!(
            probe.verify(true, &bytes, &receipts_root),
            record.gas_used as i64,
            "receipt {i} inside wasm32"
        );
        for at in 0..bytes.len() {
            let mut spoiled = bytes.clone();
            spoiled[at] ^= 0x01;
            let native = binary::decode_receipt(&spoiled).and_then(|p| p.verify(&receipts_root));
            assert!(native.is_err(), "byte {at} still verifies natively");
            assert_eq!(
                probe.verify(true, &spoiled, &receipts_root),
                -1,
                "byte {at}"
            );
        }
    }
    // A variable proof (and an absent account's) under the world root.
    let root = result.world_root;
    let (proof, proven) = prove_variable(vm.db(), root, &c, 0, true).unwrap();
    let bytes = binary::encode_variable(&proof);
    let len = proven.value.unwrap().len() as i64;
    assert_eq!(probe.verify(false, &bytes, &root.0), len);
    let (absent, _) = prove_variable(vm.db(), root, &Address::repeat_byte(9), 0, true).unwrap();
    assert_eq!(
        probe.verify(false, &binary::encode_variable(&absent), &root.0),
        -2
    );
    let mut other = root.0;
    other[31] ^= 1;
    assert_eq!(probe.verify(false, &bytes, &other), -1);
}
