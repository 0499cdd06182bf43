//! Shared helpers of the VM tests.
#![allow(dead_code)]

use svm_state::kv::{KvStore, MemoryKv};
use svm_state::{Address, StateConfig, StateDb};
use svm_vm::{Arg, BlockContext, Call, Deploy, Receipt, Vm, VmConfig, VmError};

pub(crate) const AUTHOR: Address = Address::repeat_byte(0xa0);
pub(crate) const USER: Address = Address::repeat_byte(0x05);
pub(crate) const BLOCK: BlockContext = BlockContext {
    height: 7,
    time: 1_700_000_000,
};
/// The gas limit of the tests' deploys.
pub(crate) const DEPLOY_GAS: u64 = 10_000_000;

/// A bundled example contract as a module binary (from its text).
pub(crate) fn contract(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../examples/contracts/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    wasm(&text)
}

/// The module binary of `code` (converted when it is text).
pub(crate) fn wasm(code: &[u8]) -> Vec<u8> {
    if code.starts_with(b"\0asm") {
        return code.to_vec();
    }
    svm_vm::wat_to_wasm(code).unwrap_or_else(|e| panic!("{e}"))
}

pub(crate) fn vm() -> Vm<MemoryKv> {
    vm_with(VmConfig::default())
}

pub(crate) fn vm_with(config: VmConfig) -> Vm<MemoryKv> {
    let db = StateDb::open(MemoryKv::new(), &StateConfig::default()).unwrap();
    Vm::new(db, config)
}

/// `author`'s next deploy nonce at the head.
pub(crate) fn next_nonce<K: KvStore>(vm: &Vm<K>, author: &Address) -> u64 {
    vm.next_nonce(author).unwrap()
}

/// Gives `who` `amount` outside any transaction (a genesis allocation).
pub(crate) fn fund<K: KvStore>(vm: &Vm<K>, who: &Address, amount: u64) {
    let mut s = vm.db().begin().unwrap();
    match s.account(who).unwrap() {
        Some(a) => s.set_balance(who, a.balance + amount).unwrap(),
        None => s.create_account(who, amount.into()).unwrap(),
    }
    s.commit().unwrap();
}

/// Deploys `code` (text or binary; no constructor) by [`AUTHOR`] at its
/// next nonce.
pub(crate) fn deploy<K: KvStore>(vm: &Vm<K>, code: Vec<u8>) -> Receipt {
    deploy_at(vm, code, next_nonce(vm, &AUTHOR))
}

/// A deploy of `code` by [`AUTHOR`] at `nonce`.
pub(crate) fn deploy_tx(code: Vec<u8>, nonce: u64) -> Deploy {
    Deploy {
        author: AUTHOR,
        nonce,
        code: wasm(&code),
        balance: 0u64.into(),
        constructor: None,
        gas_limit: DEPLOY_GAS,
    }
}

/// Deploys `code` (no constructor) by [`AUTHOR`] at `nonce`.
pub(crate) fn deploy_at<K: KvStore>(vm: &Vm<K>, code: Vec<u8>, nonce: u64) -> Receipt {
    vm.deploy(&deploy_tx(code, nonce), BLOCK).unwrap()
}

/// A call by [`USER`] without value.
pub(crate) fn call_tx(contract: Address, function: &str, args: Vec<Arg>, gas_limit: u64) -> Call {
    Call {
        contract,
        sender: USER,
        function: function.into(),
        args,
        gas_limit,
        value: 0u64.into(),
    }
}

/// Calls `function` of `contract`: the receipt (a node error fails the test).
pub(crate) fn call<K: KvStore>(
    vm: &Vm<K>,
    contract: Address,
    function: &str,
    args: Vec<Arg>,
    gas_limit: u64,
) -> Receipt {
    try_call(vm, contract, function, args, gas_limit).unwrap()
}

/// Calls `function` of `contract`: the receipt or the VM's error.
pub(crate) fn try_call<K: KvStore>(
    vm: &Vm<K>,
    contract: Address,
    function: &str,
    args: Vec<Arg>,
    gas_limit: u64,
) -> Result<Receipt, VmError> {
    vm.call(&call_tx(contract, function, args, gas_limit), BLOCK)
}

/// A memory store that counts the bytes written and can be told to fail
/// reads of one key (a node's disk failing under a contract).
#[derive(Debug, Default)]
pub(crate) struct TestKv {
    inner: MemoryKv,
    pub(crate) written: std::sync::atomic::AtomicU64,
    pub(crate) fail_key: std::sync::Mutex<Option<Vec<u8>>>,
}

impl KvStore for TestKv {
    fn get(
        &self,
        column: svm_state::kv::Column,
        key: &[u8],
    ) -> Result<Option<Vec<u8>>, svm_state::kv::KvError> {
        if self.fail_key.lock().unwrap().as_deref() == Some(key) {
            return Err(svm_state::kv::KvError::Io(std::io::Error::other(
                "injected read failure",
            )));
        }
        self.inner.get(column, key)
    }

    fn write(&self, batch: svm_state::kv::WriteBatch) -> Result<(), svm_state::kv::KvError> {
        let bytes: usize = batch
            .changes()
            .iter()
            .map(|c| match c {
                svm_state::kv::Change::Put(_, k, v) => k.len() + v.len(),
                svm_state::kv::Change::Delete(_, k) => k.len(),
                svm_state::kv::Change::AddCount(_, k, _) => k.len() + 8,
            })
            .sum();
        self.written
            .fetch_add(bytes as u64, std::sync::atomic::Ordering::Relaxed);
        self.inner.write(batch)
    }

    fn iter_prefix(
        &self,
        column: svm_state::kv::Column,
        prefix: &[u8],
    ) -> Result<svm_state::kv::Entries, svm_state::kv::KvError> {
        self.inner.iter_prefix(column, prefix)
    }

    fn scan(
        &self,
        column: svm_state::kv::Column,
        prefix: &[u8],
        after: Option<&[u8]>,
        limit: usize,
    ) -> Result<svm_state::kv::Entries, svm_state::kv::KvError> {
        self.inner.scan(column, prefix, after, limit)
    }
}

/// A VM over a [`TestKv`] with no node cache (every read reaches the store).
pub(crate) fn test_vm() -> (Vm<std::sync::Arc<TestKv>>, std::sync::Arc<TestKv>) {
    let kv = std::sync::Arc::new(TestKv::default());
    let config = StateConfig {
        node_cache_bytes: 0,
        ..StateConfig::default()
    };
    let db = StateDb::open(kv.clone(), &config).unwrap();
    (Vm::new(db, VmConfig::default()), kv)
}

/// A contract whose `fat(n)` recurses n + 1 frames deep through the largest
/// frame validation allows: 1,000 locals (the parameter included) and an
/// operand stack `height` values high at the recursive call.
pub(crate) fn fat_frames(height: usize) -> Vec<u8> {
    let pushes = "(local.get 1)".repeat(height - 2);
    let drops = "(drop)".repeat(height - 2);
    let locals = "(local i64)".repeat(999);
    format!(
        r#"(module
  (memory (export "memory") 1 1)
  (@custom "svm-layout" "\80\20\01\08")
  (func $fat (param $n i32) {locals}
    (if (local.get $n) (then
      {pushes}
      (call $fat (i32.sub (local.get $n) (i32.const 1)))
      {drops})))
  (func (export "fat") (param $n i32) (call $fat (local.get $n))))"#
    )
    .into_bytes()
}

/// A contract whose `args(n)` recurses n + 1 frames deep through frames
/// heavy with arguments: 999 parameters and a local (1,000 locals), and at
/// the recursive call 24 values plus the 999 arguments on the operand stack
/// (1,024 high). Singlepass copies arguments into the callee's frame: the
/// largest native frame validation allows.
pub(crate) fn arg_frames() -> Vec<u8> {
    let params = "i64 ".repeat(998);
    let extra = "(local.get 1)".repeat(24);
    let drops = "(drop)".repeat(24);
    let args = "(local.get 1)".repeat(998);
    let first = "(i64.const 7)".repeat(998);
    format!(
        r#"(module
  (memory (export "memory") 1 1)
  (@custom "svm-layout" "\80\20\01\08")
  (func $h (param $n i32) (param {params}) (local i64)
    (if (local.get $n) (then
      {extra}
      (call $h (i32.sub (local.get $n) (i32.const 1)) {args})
      {drops})))
  (func (export "args") (param $n i32) (call $h (local.get $n) {first})))"#
    )
    .into_bytes()
}

/// The relay test contract.
pub(crate) fn relay() -> Vec<u8> {
    wasm(&relay_text(false))
}

/// The relay's text; `reentrant` adds the export that accepts reentry.
pub(crate) fn relay_text(reentrant: bool) -> Vec<u8> {
    let path = format!("{}/tests/contracts/relay.wat", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let text = if reentrant {
        text.replace(
            "(memory (export \"memory\")",
            "(global (export \"svm_reentrant\") i32 (i32.const 1))\n  (memory (export \"memory\")",
        )
    } else {
        text
    };
    text.into_bytes()
}

/// A message for `relay`: call `function` of `to` with `args`, `gas` and
/// `value`.
pub(crate) fn msg(to: Address, gas: u64, value: u64, function: &str, args: &[Arg]) -> Vec<u8> {
    let mut m = to.as_bytes().to_vec();
    m.extend(gas.to_le_bytes());
    m.extend(primitive_types::U256::from(value).to_big_endian());
    m.extend((function.len() as u32).to_le_bytes());
    m.extend(function.as_bytes());
    m.extend(svm_vm::args::encode_args(args));
    m
}

/// A message for `relay_lib`: run `function` of the template `hash`.
pub(crate) fn lib_msg(
    hash: primitive_types::H256,
    gas: u64,
    function: &str,
    args: &[Arg],
) -> Vec<u8> {
    let mut m = hash.as_bytes().to_vec();
    m.extend(gas.to_le_bytes());
    m.extend((function.len() as u32).to_le_bytes());
    m.extend(function.as_bytes());
    m.extend(svm_vm::args::encode_args(args));
    m
}

/// This process's resident memory, in KiB.
pub(crate) fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}
