//! What a paying attacker or an unlucky node could do: leak the call-depth
//! counter, run out of gas where it is not counted, make every node write or
//! hold pages for little gas, create accounts or value from nothing, squat
//! addresses, or turn a node's own failure into a receipt.

mod common;

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

use common::*;
use primitive_types::U256;
use quickcheck::{Arbitrary, Gen, QuickCheck};
use svm_state::Address;
use svm_state::kv::KvStore;
use svm_state::layout::Layout;
use svm_vm::gas::{self, NEW_ACCOUNT, page_load_cost, page_write_cost};
use svm_vm::{Arg, Call, Deploy, Tx, TxError, Vm, VmConfig, VmError};

/// A layout section as WAT string escapes.
fn layout_escaped(page_size: u32, sizes: &[u32]) -> String {
    Layout::new(page_size, sizes)
        .unwrap()
        .encode()
        .iter()
        .map(|b| format!("\\{b:02x}"))
        .collect()
}

#[test]
fn leaving_a_function_by_a_branch_does_not_leak_depth() {
    let vm = vm();
    let code = br#"(module
  (memory (export "memory") 1 1)
  (@custom "svm-layout" "\80\20\01\08")
  (type $v (func))
  (table 1 1 funcref)
  (elem (i32.const 0) $br)
  (func $br (br 0))
  (func $br_if (param i32) (br_if 0 (local.get 0)))
  (func $br_table (br_table 0 0 (i32.const 1)))
  (func $ret (return))
  (func $down (param $n i32)
    (if (local.get $n) (then (call $down (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "many_then_deep") (param $n i32) (param $deep i32) (local $i i32)
    (loop $l
      (call $br) (call $br_if (i32.const 1)) (call $br_table) (call $ret)
      (call_indirect (type $v) (i32.const 0))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (call $down (local.get $deep)))
)"#;
    let c = deploy(&vm, code.to_vec());
    assert!(c.success, "{c:?}");
    let c = c.contract;
    // 2,000 rounds of five calls that leave by br, br_if, br_table, return
    // and through a table: the depth stays 2, so 512 frames still fit after.
    let r = call(
        &vm,
        c,
        "many_then_deep",
        vec![Arg::I32(2_000), Arg::I32(510)],
        10_000_000,
    );
    assert!(r.success, "{r:?}");
    // One frame more than the limit traps, before and after the loop.
    for n in [0, 2_000] {
        let r = call(
            &vm,
            c,
            "many_then_deep",
            vec![Arg::I32(n), Arg::I32(511)],
            10_000_000,
        );
        assert_eq!(
            r.error,
            Some(TxError::Trap("call depth exceeds 512".into()))
        );
    }
}

#[test]
fn running_out_of_gas_in_svm_alloc_is_out_of_gas() {
    let vm = vm();
    let code = br#"(module
  (memory (export "memory") 1 1)
  (@custom "svm-layout" "\80\20\01\08")
  (func (export "svm_alloc") (param i32) (result i32) (loop $l (br $l)) (i32.const 0))
  (func (export "take") (param i32 i32)))"#;
    let c = deploy(&vm, code.to_vec()).contract;
    let r = call(&vm, c, "take", vec![Arg::Bytes(vec![7; 10])], 200_000);
    assert_eq!((r.error, r.gas_used), (Some(TxError::OutOfGas), 200_000));
}

#[test]
fn deep_frames_fit_and_taller_stacks_are_refused() {
    let vm = vm();
    let c = deploy(&vm, fat_frames(1_024));
    assert!(c.success, "{c:?}");
    // 512 frames of the largest kind run on every machine; 513 trap on the
    // depth limit, not the native stack.
    let r = call(&vm, c.contract, "fat", vec![Arg::I32(510)], 30_000_000);
    assert!(r.success, "{r:?}");
    let r = call(&vm, c.contract, "fat", vec![Arg::I32(511)], 30_000_000);
    assert_eq!(
        r.error,
        Some(TxError::Trap("call depth exceeds 512".into()))
    );
    let c = deploy(&vm, arg_frames());
    assert!(c.success, "{c:?}");
    let r = call(&vm, c.contract, "args", vec![Arg::I32(510)], 30_000_000);
    assert!(r.success, "{r:?}");
    let r = call(&vm, c.contract, "args", vec![Arg::I32(511)], 30_000_000);
    assert_eq!(
        r.error,
        Some(TxError::Trap("call depth exceeds 512".into()))
    );
    // One value more is refused at deploy.
    let r = deploy(&vm, fat_frames(1_025));
    assert!(
        matches!(&r.error, Some(TxError::ValidationFailed(m)) if m.contains("operand stack reaches 1025")),
        "{r:?}"
    );
    // The review's example: 20,000 values on the stack, then recursion.
    let tall = format!(
        r#"(module (memory (export "memory") 1 1) (@custom "svm-layout" "\80\20\01\08")
  (func $t (param $n i32) (local $x i64)
    (if (local.get $n) (then {} (call $t (i32.sub (local.get $n) (i32.const 1))) {})))
  (func (export "t") (param $n i32) (call $t (local.get $n))))"#,
        "(local.get 1)".repeat(20_000),
        "(drop)".repeat(20_000)
    );
    let r = deploy(&vm, tall.into_bytes());
    assert!(
        matches!(r.error, Some(TxError::ValidationFailed(_))),
        "{r:?}"
    );
}

#[test]
fn the_vm_deploys_binaries_only_and_labels_are_not_code() {
    let vm = vm();
    let text = std::fs::read(format!(
        "{}/../examples/contracts/counter.wat",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let r = vm
        .deploy(
            &Deploy {
                code: text.clone(),
                ..deploy_tx(contract("counter.wat"), 0)
            },
            BLOCK,
        )
        .unwrap();
    assert!(
        matches!(&r.error, Some(TxError::ValidationFailed(m)) if m.contains("not a WebAssembly binary")),
        "{r:?}"
    );
    // Renaming labels gives the same binary, so the same address.
    let renamed = String::from_utf8(text)
        .unwrap()
        .replace("$read", "$load")
        .replace("$by", "$amount");
    let a = deploy_tx(contract("counter.wat"), 0);
    let b = deploy_tx(renamed.into_bytes(), 0);
    assert_eq!(a.code, b.code);
}

/// A contract with 64 KiB pages holding, on each of 50 pages, a 65,535-byte
/// variable and then a 1-byte one at the page's end.
fn pages_contract() -> Vec<u8> {
    let sizes: Vec<u32> = (0..50).flat_map(|_| [65_535, 1]).collect();
    format!(
        r#"(module
  (import "svm" "storage_read" (func $read (param i32 i32 i32)))
  (import "svm" "storage_write" (func $write (param i32 i32 i32)))
  (memory (export "memory") 1 1)
  (@custom "svm-layout" "{}")
  (func (export "write") (param $n i32) (param $times i32) (local $i i32) (local $t i32)
    (loop $again
      (local.set $i (i32.const 0))
      (block $done (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        ;; A different byte on each page: identical pages would share nodes.
        (i32.store8 (i32.const 0) (i32.add (local.get $i) (i32.const 1)))
        (call $write (i32.add (i32.mul (local.get $i) (i32.const 2)) (i32.const 1))
                     (i32.const 0) (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $t) (local.get $times)))))
  (func (export "read") (param $n i32) (param $times i32) (local $i i32) (local $t i32)
    (loop $again
      (local.set $i (i32.const 0))
      (block $done (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $read (i32.add (i32.mul (local.get $i) (i32.const 2)) (i32.const 1))
                    (i32.const 0) (i32.const 1))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $t) (local.get $times))))))"#,
        layout_escaped(65_536, &sizes)
    )
    .into_bytes()
}

#[test]
fn writes_pay_for_the_pages_they_make_every_node_store() {
    let (vm, kv) = test_vm();
    let c = deploy(&vm, pages_contract());
    assert!(c.success, "{c:?}");
    let c = c.contract;
    // One byte at the end of each of 50 pages: every page is stored whole.
    let before = kv.written.load(Ordering::Relaxed);
    let r = call(&vm, c, "write", vec![Arg::I32(50), Arg::I32(1)], 30_000_000);
    assert!(r.success, "{r:?}");
    let stored = kv.written.load(Ordering::Relaxed) - before;
    assert!(stored > 50 * 65_536, "{stored} bytes");
    let per_page = page_load_cost(65_536) + page_write_cost(65_536);
    assert!(r.gas_used >= 50 * per_page, "{}", r.gas_used);
    // At most one byte of disk per 4 gas (the review found 470 bytes per gas).
    assert!(
        stored * gas::PAGE_WRITE_BYTE <= r.gas_used,
        "{stored} bytes for {} gas",
        r.gas_used
    );
    // Writing the same pages again within the transaction costs no more
    // page charges: five rounds cost far less than five transactions.
    let five = call(&vm, c, "write", vec![Arg::I32(50), Arg::I32(5)], 30_000_000);
    assert!(five.success, "{five:?}");
    assert!(
        five.gas_used < r.gas_used + 4 * 50 * 1_000,
        "{}",
        five.gas_used
    );
    // Every transaction pays its own first touch, whatever the block did.
    let write = |n| {
        Tx::Call(Call {
            args: vec![Arg::I32(n), Arg::I32(1)],
            ..call_tx(c, "write", vec![], 30_000_000)
        })
    };
    let receipts = vm
        .execute_block(&[write(3), write(3)], BLOCK)
        .unwrap()
        .receipts;
    assert_eq!(receipts[0].gas_used, receipts[1].gas_used);
}

#[test]
fn reads_pay_for_the_pages_they_make_a_node_hold() {
    let vm = vm();
    let c = deploy(&vm, pages_contract()).contract;
    let one = call(&vm, c, "read", vec![Arg::I32(1), Arg::I32(1)], 30_000_000);
    let ten = call(&vm, c, "read", vec![Arg::I32(10), Arg::I32(1)], 30_000_000);
    assert!(one.success && ten.success, "{one:?} {ten:?}");
    assert!(ten.gas_used - one.gas_used >= 9 * page_load_cost(65_536));
    // A warm page costs only the vmcall and its bytes.
    let twice = call(&vm, c, "read", vec![Arg::I32(10), Arg::I32(2)], 30_000_000);
    assert!(
        twice.gas_used - ten.gas_used < 10 * 200,
        "{}",
        twice.gas_used
    );
    // What one transaction can make a node hold is bounded by its gas: the
    // most pages of 64 KiB it can load.
    let max = VmConfig::default().max_tx_gas / page_load_cost(65_536);
    assert!(max * 65_536 < 30 << 20, "{max} pages");
    let all = call(&vm, c, "read", vec![Arg::I32(50), Arg::I32(1)], 30_000_000);
    assert!(all.success);
    let r = call(
        &vm,
        c,
        "read",
        vec![Arg::I32(50), Arg::I32(1)],
        all.gas_used - 1,
    );
    assert_eq!(r.error, Some(TxError::OutOfGas));
}

/// Sends `amount` (i64) to the address made of 20 bytes `to` (i32).
const SENDER: &[u8] = br#"(module
  (import "svm" "transfer" (func $transfer (param i32 i32) (result i32)))
  (import "svm" "set_return" (func $return (param i32 i32)))
  (memory (export "memory") 1 1)
  (@custom "svm-layout" "\80\20\01\08")
  (func (export "send") (param $to i32) (param $amount i64) (local $splat i64) (local $i i32)
    ;; the address: 20 bytes `to` at 0
    (local.set $splat (i64.mul (i64.extend_i32_u (local.get $to)) (i64.const 0x0101010101010101)))
    (i64.store (i32.const 0) (local.get $splat))
    (i64.store (i32.const 8) (local.get $splat))
    (i32.store (i32.const 16) (i32.wrap_i64 (local.get $splat)))
    ;; the amount: 32 bytes big-endian at 32 (memory starts zeroed)
    (loop $l
      (i64.store8 (i32.sub (i32.const 63) (local.get $i))
                  (i64.shr_u (local.get $amount) (i64.extend_i32_u (i32.mul (local.get $i) (i32.const 8)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 8))))
    (i32.store8 (i32.const 100) (call $transfer (i32.const 0) (i32.const 32)))
    (call $return (i32.const 100) (i32.const 1))))"#;

fn balance_of<K: KvStore>(vm: &Vm<K>, who: &Address) -> Option<U256> {
    let view = vm.db().at(vm.db().head().root).unwrap();
    view.account(who).unwrap().map(|a| a.balance)
}

#[test]
fn creating_accounts_costs_and_zero_transfers_create_none() {
    let vm = vm();
    let c = deploy(&vm, SENDER.to_vec());
    assert!(c.success, "{c:?}");
    let c = c.contract;
    fund(&vm, &c, 1_000);
    fund(&vm, &Address::repeat_byte(0x71), 1);
    let send = |to: u8, amount: i64| {
        call(
            &vm,
            c,
            "send",
            vec![Arg::I32(i32::from(to)), Arg::I64(amount)],
            1_000_000,
        )
    };
    let existing = send(0x71, 5);
    let fresh = send(0x72, 5);
    assert!(existing.success && fresh.success);
    assert_eq!(existing.return_data, [0]);
    assert_eq!(fresh.gas_used - existing.gas_used, NEW_ACCOUNT);
    assert_eq!(
        balance_of(&vm, &Address::repeat_byte(0x72)),
        Some(5u64.into())
    );
    // 80 zero-value transfers to fresh addresses create nothing.
    let head = vm.db().head();
    for to in 0xb0..=0xff {
        let r = send(to, 0);
        assert!(r.success, "{r:?}");
        assert_eq!(balance_of(&vm, &Address::repeat_byte(to)), None);
    }
    assert_eq!(vm.db().head().root, head.root, "no account appeared");
}

#[test]
fn a_deploy_pays_its_balance_from_the_author() {
    let vm = vm();
    let code = contract("counter.wat");
    let with_balance = |balance: U256| Deploy {
        balance,
        ..deploy_tx(code.clone(), next_nonce(&vm, &AUTHOR))
    };
    // An author without funds cannot give a contract 2^256 - 1.
    let head = vm.db().head();
    let r = vm.deploy(&with_balance(U256::MAX), BLOCK).unwrap();
    assert!(
        matches!(r.error, Some(TxError::InsufficientBalance(_))),
        "{r:?}"
    );
    assert_eq!(vm.db().head(), head);
    fund(&vm, &AUTHOR, 100);
    let r = vm.deploy(&with_balance(60u64.into()), BLOCK).unwrap();
    assert!(r.success, "{r:?}");
    assert_eq!(balance_of(&vm, &r.contract), Some(60u64.into()));
    assert_eq!(balance_of(&vm, &AUTHOR), Some(40u64.into()));
    let r = vm.deploy(&with_balance(41u64.into()), BLOCK).unwrap();
    assert!(matches!(r.error, Some(TxError::InsufficientBalance(_))));
}

/// One step of the value model.
#[derive(Clone, Debug)]
enum Op {
    Deploy {
        author: u8,
        balance: u8,
    },
    Call {
        contract: u8,
        sender: u8,
        value: u8,
        to: u8,
        amount: u8,
    },
}

impl Arbitrary for Op {
    fn arbitrary(g: &mut Gen) -> Self {
        if u8::arbitrary(g) % 4 == 0 {
            Op::Deploy {
                author: u8::arbitrary(g) % 3,
                balance: u8::arbitrary(g) % 200,
            }
        } else {
            Op::Call {
                contract: u8::arbitrary(g),
                sender: u8::arbitrary(g) % 3,
                value: u8::arbitrary(g) % 100,
                to: 0x70 + u8::arbitrary(g) % 8,
                amount: u8::arbitrary(g) % 150,
            }
        }
    }
}

#[test]
fn every_transaction_conserves_value() {
    fn prop(ops: Vec<Op>) -> bool {
        let vm = vm();
        let people: Vec<Address> = (1..=3).map(Address::repeat_byte).collect();
        for p in &people {
            fund(&vm, p, 1_000);
        }
        let mut known: BTreeSet<Address> = people.iter().copied().collect();
        known.extend((0x70..0x78).map(Address::repeat_byte));
        let total = |known: &BTreeSet<Address>| -> U256 {
            known
                .iter()
                .filter_map(|a| balance_of(&vm, a))
                .fold(U256::zero(), |s, b| s + b)
        };
        let start = total(&known);
        let mut contracts: Vec<Address> = Vec::new();
        for op in ops.iter().take(20) {
            let tx = match *op {
                Op::Deploy { author, balance } => {
                    let author = people[author as usize];
                    Tx::Deploy(Deploy {
                        author,
                        nonce: vm.next_nonce(&author).unwrap(),
                        balance: balance.into(),
                        ..deploy_tx(SENDER.to_vec(), 0)
                    })
                }
                Op::Call { .. } if contracts.is_empty() => continue,
                Op::Call {
                    contract,
                    sender,
                    value,
                    to,
                    amount,
                } => Tx::Call(Call {
                    contract: contracts[contract as usize % contracts.len()],
                    sender: people[sender as usize],
                    function: "send".into(),
                    args: vec![Arg::I32(i32::from(to)), Arg::I64(i64::from(amount))],
                    gas_limit: 1_000_000,
                    value: value.into(),
                }),
            };
            let r = vm
                .execute_block(std::slice::from_ref(&tx), BLOCK)
                .unwrap()
                .receipts;
            if matches!(tx, Tx::Deploy(_)) && r[0].success {
                contracts.push(r[0].contract);
                known.insert(r[0].contract);
            }
            if total(&known) != start {
                return false;
            }
        }
        true
    }
    QuickCheck::new()
        .tests(25)
        .quickcheck(prop as fn(Vec<Op>) -> bool);
}

#[test]
fn a_failing_database_is_the_nodes_error_and_commits_nothing() {
    let (vm, kv) = test_vm();
    let c = deploy(&vm, contract("counter.wat")).contract;
    assert!(call(&vm, c, "increment", vec![Arg::I64(3)], 100_000).success);
    let head = vm.db().head();
    let storage_root = {
        let view = vm.db().at(head.root).unwrap();
        view.account(&c).unwrap().unwrap().storage_root
    };
    // The disk fails under the contract's storage_read.
    *kv.fail_key.lock().unwrap() = Some(storage_root.as_bytes().to_vec());
    let e = try_call(&vm, c, "get", vec![], 100_000).unwrap_err();
    assert!(matches!(e, VmError::State(_)), "{e}");
    // In a block, a good transaction before it is not committed either.
    let txs = [
        Tx::Call(call_tx(USER, "nothing", vec![], 100_000)),
        Tx::Call(call_tx(c, "increment", vec![Arg::I64(1)], 100_000)),
    ];
    let e = vm.execute_block(&txs, BLOCK).unwrap_err();
    assert!(matches!(e, VmError::State(_)), "{e}");
    assert_eq!(vm.db().head(), head);
    // Once the disk is back, the same block runs.
    *kv.fail_key.lock().unwrap() = None;
    let receipts = vm.execute_block(&txs, BLOCK).unwrap().receipts;
    assert!(receipts[1].success, "{receipts:?}");
    // Code that cannot be read is the node's error too (a fresh VM has no
    // module cached).
    let code_hash = svm_state::code::code_hash(&contract("counter.wat"));
    *kv.fail_key.lock().unwrap() = Some(code_hash.as_bytes().to_vec());
    let db = svm_state::StateDb::open(kv.clone(), &svm_state::StateConfig::default()).unwrap();
    let fresh = Vm::new(db, VmConfig::default());
    let e = try_call(&fresh, c, "get", vec![], 100_000).unwrap_err();
    assert!(matches!(e, VmError::State(_)), "{e}");
}

#[test]
fn blocks_and_transactions_are_bounded_in_gas() {
    let vm = vm();
    let c = deploy(&vm, contract("counter.wat")).contract;
    let head = vm.db().head();
    let max = VmConfig::default().max_tx_gas;
    let inc = |gas| Tx::Call(call_tx(c, "increment", vec![Arg::I64(1)], gas));
    let e = vm.execute_block(&[inc(max), inc(max), inc(max), inc(max)], BLOCK);
    assert!(matches!(e, Err(VmError::BlockGasLimit { .. })), "{e:?}");
    let e = vm.execute_block(&[inc(100_000), inc(100_000), inc(10)], BLOCK);
    assert!(
        matches!(e, Err(VmError::InvalidTx { index: 2, .. })),
        "{e:?}"
    );
    assert_eq!(vm.db().head(), head);
    // Byte arguments cost intrinsic gas per byte.
    let long = Tx::Call(call_tx(
        c,
        "get",
        vec![Arg::Bytes(vec![0; 100_000])],
        1_000_000,
    ));
    assert_eq!(long.intrinsic_gas(), gas::call_intrinsic(100_000));
    assert!(vm.check_tx(&long).is_err());
}

#[test]
fn storage_len_reads_back_the_largest_variable() {
    let vm = vm();
    let code = format!(
        r#"(module
  (import "svm" "storage_len" (func $len (param i32) (result i32)))
  (import "svm" "set_return" (func $return (param i32 i32)))
  (memory (export "memory") 1 1)
  (@custom "svm-layout" "{}")
  (func (export "len") (i32.store (i32.const 0) (call $len (i32.const 0)))
    (call $return (i32.const 0) (i32.const 4))))"#,
        layout_escaped(4096, &[svm_state::layout::MAX_VARIABLE_BYTES])
    );
    let c = deploy(&vm, code.into_bytes());
    assert!(c.success, "{c:?}");
    let r = call(&vm, c.contract, "len", vec![], 100_000);
    assert_eq!(r.return_data, (1u32 << 20).to_le_bytes());
    // A layout with a larger variable (2^20 + 1 bytes) is refused.
    let code = br#"(module (memory (export "memory") 1 1)
        (@custom "svm-layout" "\80\20\01\81\80\40"))"#;
    let r = deploy(&vm, code.to_vec());
    assert!(
        matches!(&r.error, Some(TxError::ValidationFailed(m)) if m.contains("more than")),
        "{r:?}"
    );
}

#[test]
fn code_stored_without_validation_is_refused_the_same_everywhere() {
    // A state tool can store any module: this one declares a layout but no
    // memory, so the VM would never have deployed it.
    let vm = vm();
    let c = Address::repeat_byte(0x3c);
    let layout = Layout::new(4096, &[8]).unwrap();
    let mut s = vm.db().begin().unwrap();
    s.create_contract(&c, &svm_state::code::module_declaring(&layout), 0u64.into())
        .unwrap();
    s.commit().unwrap();
    for _ in 0..2 {
        let r = call(&vm, c, "get", vec![], 100_000);
        assert!(
            matches!(&r.error, Some(TxError::ValidationFailed(m)) if m.contains("memory")),
            "{r:?}"
        );
    }
    assert_eq!(vm.module_stats().compiles, 0);
}
