//! Value and balances: a call carries value to the contract, which can read
//! it, read balances and transfer; an unfunded sender is refused.

mod common;

use common::*;
use primitive_types::U256;
use svm_state::Address;
use svm_vm::{Call, TxError};

const PAYEE: Address = Address::repeat_byte(0x77);

fn code() -> Vec<u8> {
    br#"(module
  (import "svm" "value" (func $value (param i32)))
  (import "svm" "balance" (func $balance (param i32 i32)))
  (import "svm" "transfer" (func $transfer (param i32 i32) (result i32)))
  (import "svm" "address" (func $address (param i32)))
  (import "svm" "set_return" (func $return (param i32 i32)))
  (memory (export "memory") 1 1)
  (data (i32.const 200) "\77\77\77\77\77\77\77\77\77\77\77\77\77\77\77\77\77\77\77\77")
  (@custom "svm-layout" "\80\20\01\08")
  ;; returns: value sent (32 bytes), own balance (32 bytes), transfer status (1 byte)
  (func (export "pay")
    (call $value (i32.const 0))
    (call $address (i32.const 100))
    (call $balance (i32.const 100) (i32.const 32))
    ;; forward 3 to PAYEE
    (i32.store8 (i32.const 300) (i32.const 0))
    (i32.store8 (i32.const 331) (i32.const 3))
    (i32.store8 (i32.const 64) (call $transfer (i32.const 200) (i32.const 300)))
    (call $return (i32.const 0) (i32.const 65)))
)"#
    .to_vec()
}

#[test]
fn value_moves_and_contracts_transfer() {
    let vm = vm();
    let mut s = vm.db().begin().unwrap();
    s.create_account(&USER, 100u64.into()).unwrap();
    s.commit().unwrap();
    let c = deploy(&vm, code()).contract;
    let pay = |value: u64| Call {
        contract: c,
        sender: USER,
        function: "pay".into(),
        args: vec![],
        gas_limit: 1_000_000,
        value: value.into(),
    };
    let r = vm.call(&pay(10), BLOCK).unwrap();
    assert!(r.success, "{r:?}");
    assert_eq!(U256::from_big_endian(&r.return_data[..32]), 10u64.into());
    assert_eq!(U256::from_big_endian(&r.return_data[32..64]), 10u64.into());
    assert_eq!(r.return_data[64], 0, "the transfer succeeded");
    let view = vm.db().at(r.world_root.unwrap()).unwrap();
    let balance = |a| view.account(&a).unwrap().unwrap().balance;
    assert_eq!(balance(USER), 90u64.into());
    assert_eq!(balance(c), 7u64.into());
    assert_eq!(balance(PAYEE), 3u64.into());
    // More than the sender holds: refused, nothing changes.
    let r = vm.call(&pay(1_000), BLOCK).unwrap();
    assert!(
        matches!(r.error, Some(TxError::InsufficientBalance(_))),
        "{r:?}"
    );
    let r = vm
        .call(
            &Call {
                sender: Address::repeat_byte(0x99),
                ..pay(1)
            },
            BLOCK,
        )
        .unwrap();
    assert!(
        matches!(r.error, Some(TxError::InsufficientBalance(_))),
        "{r:?}"
    );
}
