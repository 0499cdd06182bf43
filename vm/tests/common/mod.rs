//! Shared helpers of the VM tests.
#![allow(dead_code)]

use svm_state::kv::MemoryKv;
use svm_state::{Address, StateConfig, StateDb};
use svm_vm::{Arg, BlockContext, Call, Deploy, Receipt, Vm, VmConfig};

pub(crate) const AUTHOR: Address = Address::repeat_byte(0xa0);
pub(crate) const USER: Address = Address::repeat_byte(0x05);
pub(crate) const BLOCK: BlockContext = BlockContext {
    height: 7,
    time: 1_700_000_000,
};

pub(crate) fn contract(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../examples/contracts/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub(crate) fn vm() -> Vm<MemoryKv> {
    let db = StateDb::open(MemoryKv::new(), &StateConfig::default()).unwrap();
    Vm::new(db, VmConfig::default())
}

/// `author`'s next deploy nonce at the head.
pub(crate) fn next_nonce<K: svm_state::kv::KvStore>(vm: &Vm<K>, author: &Address) -> u64 {
    vm.next_nonce(author).unwrap()
}

/// Deploys `code` (no constructor) by [`AUTHOR`] at its next nonce.
pub(crate) fn deploy<K: svm_state::kv::KvStore>(vm: &Vm<K>, code: Vec<u8>) -> Receipt {
    deploy_at(vm, code, next_nonce(vm, &AUTHOR))
}

/// Deploys `code` (no constructor) by [`AUTHOR`] at `nonce`.
pub(crate) fn deploy_at<K: svm_state::kv::KvStore>(
    vm: &Vm<K>,
    code: Vec<u8>,
    nonce: u64,
) -> Receipt {
    vm.deploy(
        &Deploy {
            author: AUTHOR,
            nonce,
            code,
            balance: 0u64.into(),
            constructor: None,
        },
        BLOCK,
    )
}

pub(crate) fn call<K: svm_state::kv::KvStore>(
    vm: &Vm<K>,
    contract: Address,
    function: &str,
    args: Vec<Arg>,
    gas_limit: u64,
) -> Receipt {
    vm.call(
        &Call {
            contract,
            sender: USER,
            function: function.into(),
            args,
            gas_limit,
            value: 0u64.into(),
        },
        BLOCK,
    )
}
