//! The VM reaches the state only through `ContractState`: a state that
//! records what is asked of it sees every read and write a transaction
//! makes, a failing transaction's changes undone at its checkpoint, and the
//! same state a call through the VM's own session leaves.

mod common;

use std::sync::Arc;

use common::*;
use primitive_types::{H256, U256};
use svm_state::kv::MemoryKv;
use svm_state::layout::Layout;
use svm_state::structure::PathKey;
use svm_state::{Account, Address, EntryPage, Session, StateError, StructurePath};
use svm_vm::{Arg, ContractState, Tx, TxError, VmError};

/// A session that writes down each operation the VM asks of it.
struct Recording {
    inner: Session<MemoryKv>,
    ops: Vec<String>,
}

impl ContractState for Recording {
    fn account(&mut self, address: &Address) -> Result<Option<Account>, StateError> {
        self.ops.push(format!("account {address:#x}"));
        self.inner.account(address)
    }
    fn create_account(&mut self, address: &Address, balance: U256) -> Result<(), StateError> {
        self.ops.push("create_account".into());
        self.inner.create_account(address, balance)
    }
    fn create_contract(
        &mut self,
        address: &Address,
        code: &[u8],
        balance: U256,
    ) -> Result<H256, StateError> {
        self.ops.push("create_contract".into());
        self.inner.create_contract(address, code, balance)
    }
    fn create_contract_from(
        &mut self,
        address: &Address,
        code_hash: &H256,
        balance: U256,
    ) -> Result<(), StateError> {
        self.ops.push("create_contract_from".into());
        self.inner.create_contract_from(address, code_hash, balance)
    }
    fn increment_nonce(&mut self, address: &Address) -> Result<u64, StateError> {
        self.ops.push("increment_nonce".into());
        self.inner.increment_nonce(address)
    }
    fn transfer(&mut self, from: &Address, to: &Address, amount: U256) -> Result<(), StateError> {
        self.ops.push("transfer".into());
        self.inner.transfer(from, to, amount)
    }
    fn code(&self, hash: &H256) -> Result<Option<Vec<u8>>, StateError> {
        self.inner.code(hash)
    }
    fn layout(&mut self, address: &Address) -> Result<Arc<Layout>, StateError> {
        self.ops.push("layout".into());
        self.inner.layout(address)
    }
    fn variable(&mut self, address: &Address, index: u32) -> Result<&[u8], StateError> {
        self.ops.push(format!("variable {index}"));
        self.inner.variable(address, index)
    }
    fn write_variable(
        &mut self,
        address: &Address,
        index: u32,
        bytes: &[u8],
    ) -> Result<(), StateError> {
        self.ops
            .push(format!("write_variable {index} {bytes:02x?}"));
        self.inner.write_variable(address, index, bytes)
    }
    fn structure_len(&mut self, a: &Address, p: &StructurePath) -> Result<u64, StateError> {
        self.ops.push(format!("structure_len {p:?}"));
        self.inner.structure_len(a, p)
    }
    fn element(
        &mut self,
        a: &Address,
        p: &StructurePath,
        k: &PathKey,
    ) -> Result<Option<Vec<u8>>, StateError> {
        self.ops.push(format!("element {p:?}"));
        self.inner.element(a, p, k)
    }
    fn set_element(
        &mut self,
        a: &Address,
        p: &StructurePath,
        k: &PathKey,
        v: &[u8],
    ) -> Result<(), StateError> {
        self.ops.push(format!("set_element {p:?}"));
        self.inner.set_element(a, p, k, v)
    }
    fn push(&mut self, a: &Address, p: &StructurePath, v: &[u8]) -> Result<u64, StateError> {
        self.ops.push(format!("push {p:?}"));
        self.inner.push(a, p, v)
    }
    fn push_structure(&mut self, a: &Address, p: &StructurePath) -> Result<u64, StateError> {
        self.ops.push(format!("push_structure {p:?}"));
        self.inner.push_structure(a, p)
    }
    fn pop(&mut self, a: &Address, p: &StructurePath) -> Result<bool, StateError> {
        self.ops.push(format!("pop {p:?}"));
        self.inner.pop(a, p)
    }
    fn remove(&mut self, a: &Address, p: &StructurePath, k: &[u8]) -> Result<bool, StateError> {
        self.ops.push(format!("remove {p:?}"));
        self.inner.remove(a, p, k)
    }
    fn insert(&mut self, a: &Address, p: &StructurePath, m: &[u8]) -> Result<bool, StateError> {
        self.ops.push(format!("insert {p:?}"));
        self.inner.insert(a, p, m)
    }
    fn contains(&mut self, a: &Address, p: &StructurePath, k: &[u8]) -> Result<bool, StateError> {
        self.ops.push(format!("contains {p:?}"));
        self.inner.contains(a, p, k)
    }
    fn clear(&mut self, a: &Address, p: &StructurePath) -> Result<(), StateError> {
        self.ops.push(format!("clear {p:?}"));
        self.inner.clear(a, p)
    }
    fn entries(
        &mut self,
        a: &Address,
        p: &StructurePath,
        from: &[u8],
        limit: usize,
    ) -> Result<EntryPage, StateError> {
        self.ops.push(format!("entries {p:?}"));
        self.inner.entries(a, p, from, limit)
    }
    fn next_member(
        &mut self,
        a: &Address,
        p: &StructurePath,
        from: &[u8],
    ) -> Result<Option<Vec<u8>>, StateError> {
        self.ops.push(format!("next_member {p:?}"));
        self.inner.next_member(a, p, from)
    }
    fn prev_member(
        &mut self,
        a: &Address,
        p: &StructurePath,
        to: &[u8],
    ) -> Result<Option<Vec<u8>>, StateError> {
        self.ops.push(format!("prev_member {p:?}"));
        self.inner.prev_member(a, p, Some(to))
    }
    fn structure_path_nodes(
        &mut self,
        a: &Address,
        p: &StructurePath,
        k: &[u8],
    ) -> Result<u32, StateError> {
        self.inner.structure_path_nodes(a, p, k)
    }
    fn element_path_nodes(
        &mut self,
        a: &Address,
        p: &StructurePath,
        k: &PathKey,
    ) -> Result<u32, StateError> {
        self.inner.element_path_nodes(a, p, k)
    }
    fn sync_structures(&mut self) -> Result<usize, StateError> {
        self.ops.push("sync_structures".into());
        self.inner.sync_structures()
    }
    fn checkpoint(&mut self) -> usize {
        self.ops.push("checkpoint".into());
        self.inner.checkpoint()
    }
    fn commit_checkpoint(&mut self) -> Result<(), StateError> {
        self.ops.push("commit_checkpoint".into());
        self.inner.commit_checkpoint()
    }
    fn revert_checkpoint(&mut self) -> Result<(), StateError> {
        self.ops.push("revert_checkpoint".into());
        self.inner.revert_checkpoint()
    }
}

fn increment(c: Address, function: &str, by: i64) -> Tx {
    Tx::Call(call_tx(c, function, vec![Arg::I64(by)], 200_000))
}

#[test]
fn transactions_run_against_any_contract_state() {
    let (vm, twin) = (common::vm(), common::vm());
    let c = deploy(&vm, contract("counter.wat")).contract;
    assert_eq!(deploy(&twin, contract("counter.wat")).contract, c);

    let state = Recording {
        inner: vm.db().begin().unwrap(),
        ops: Vec::new(),
    };
    let (mut state, r) = vm
        .apply_tx(state, &increment(c, "increment", 5), BLOCK)
        .unwrap();
    assert!(r.success, "{r:?}");
    assert_eq!(r.state_root, None);
    let ops = state.ops.join("; ");
    assert!(ops.starts_with("sync_structures; checkpoint; "), "{ops}");
    assert!(ops.ends_with("commit_checkpoint"), "{ops}");
    assert!(
        ops.contains("variable 0; write_variable 0 [05, 00, 00, 00, 00, 00, 00, 00]"),
        "{ops}"
    );

    // A failing call: its write reaches the state and is undone at its
    // checkpoint.
    state.ops.clear();
    let fail = Tx::Call(call_tx(c, "fail_after_write", vec![], 200_000));
    let (mut state, r) = vm.apply_tx(state, &fail, BLOCK).unwrap();
    assert!(matches!(r.error, Some(TxError::Trap(_))), "{r:?}");
    let ops = state.ops.join("; ");
    assert!(ops.contains("write_variable 0"), "{ops}");
    assert!(ops.ends_with("revert_checkpoint"), "{ops}");
    assert_eq!(state.inner.variable(&c, 0).unwrap(), &5i64.to_le_bytes());

    // The same state as the VM's own session leaves.
    let ours = state.inner.commit().unwrap().head.root;
    let r = twin
        .call(&call_tx(c, "increment", vec![Arg::I64(5)], 200_000), BLOCK)
        .unwrap();
    assert_eq!(r.world_root, Some(ours));

    // A transaction no block may hold changes nothing and is an error.
    let state = Recording {
        inner: vm.db().begin().unwrap(),
        ops: Vec::new(),
    };
    let over = Tx::Call(call_tx(c, "increment", vec![Arg::I64(1)], u64::MAX));
    assert!(matches!(
        vm.apply_tx(state, &over, BLOCK),
        Err(VmError::InvalidTx { .. })
    ));
}
