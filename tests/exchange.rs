//! The example exchange (examples/contracts/exchange.wat) selling the map
//! token (map_token.wat) through contract calls, on RocksDB: sales in
//! blocks, a refused sale that the exchange survives, the sale events
//! proven from the receipts root by a light client's verifier, found in the
//! node's index by topic and contract, and gone from it (not from the
//! receipts) once their time-to-live has passed, across a reopen.

use svm_proofs::prove_receipt;
use svm_state::events::EventQuery;
use svm_state::{Address, StateConfig, StateDb};
use svm_vm::{Arg, BlockContext, Call, Deploy, Event, Receipt, Tx, Vm, VmConfig};

const OWNER: Address = Address::repeat_byte(0x0e);
const BUYER: Address = Address::repeat_byte(0xb1);
const PRICE: u64 = 7;
const GAS: u64 = 3_000_000;

fn block(height: u64) -> BlockContext {
    BlockContext {
        height,
        time: 1_000 + height,
    }
}

fn deploy(nonce: u64, name: &str, constructor: (&str, Vec<Arg>)) -> Tx {
    Tx::Deploy(Deploy {
        author: OWNER,
        nonce,
        code: svm_tests::contract(name),
        balance: 0u64.into(),
        constructor: Some((constructor.0.into(), constructor.1)),
        gas_limit: 10_000_000,
    })
}

fn call(contract: Address, sender: Address, function: &str, args: Vec<Arg>, value: u64) -> Tx {
    Tx::Call(Call {
        contract,
        sender,
        function: function.into(),
        args,
        gas_limit: GAS,
        value: value.into(),
    })
}

fn balance_of(vm: &Vm<svm_state::kv::RocksKv>, token: Address, who: Address) -> u64 {
    let r = vm
        .call(
            &Call {
                contract: token,
                sender: who,
                function: "balance_of".into(),
                args: vec![Arg::Bytes(who.as_bytes().to_vec())],
                gas_limit: GAS,
                value: 0u64.into(),
            },
            block(0),
        )
        .unwrap();
    u64::from_le_bytes(r.return_data.try_into().unwrap())
}

fn bought_topic() -> [u8; 32] {
    let mut t = [0u8; 32];
    t[..19].copy_from_slice(b"svm.exchange.Bought");
    t
}

fn padded(a: Address) -> [u8; 32] {
    let mut t = [0u8; 32];
    t[12..].copy_from_slice(a.as_bytes());
    t
}

#[test]
fn an_exchange_sells_tokens_by_calling_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let open = || {
        Vm::new(
            StateDb::open_rocks(dir.path(), &StateConfig::default()).unwrap(),
            VmConfig::default(),
        )
    };
    let vm = open();
    {
        let mut s = vm.db().begin().unwrap();
        s.create_account(&BUYER, 1_000u64.into()).unwrap();
        s.commit().unwrap();
    }
    // Block 1: the token, the exchange, 100 tokens for the exchange.
    let token = svm_vm::contract_address(
        &OWNER,
        0,
        &svm_state::code::code_hash(&svm_tests::contract("map_token.wat")),
    );
    let exchange_code = svm_tests::contract("exchange.wat");
    let exchange = svm_vm::contract_address(&OWNER, 1, &svm_state::code::code_hash(&exchange_code));
    let setup = vm
        .execute_block(
            &[
                deploy(0, "map_token.wat", ("init", vec![])),
                deploy(
                    1,
                    "exchange.wat",
                    (
                        "init",
                        vec![
                            Arg::Bytes(token.as_bytes().to_vec()),
                            Arg::I64(PRICE as i64),
                        ],
                    ),
                ),
                call(
                    token,
                    OWNER,
                    "mint",
                    vec![Arg::Bytes(exchange.as_bytes().to_vec()), Arg::I64(100)],
                    0,
                ),
            ],
            block(1),
        )
        .unwrap();
    assert!(
        setup.receipts.iter().all(|r| r.success),
        "{:?}",
        setup.receipts
    );
    assert_eq!(setup.receipts[1].contract, exchange);

    // Block 2: a sale, a sale paying the wrong price (fails whole), a
    // try_buy of more than the exchange holds (the token refuses; the
    // exchange goes on and gives the value back).
    let sales = vm
        .execute_block(
            &[
                call(exchange, BUYER, "buy", vec![Arg::I64(10)], 10 * PRICE),
                call(exchange, BUYER, "buy", vec![Arg::I64(10)], 10 * PRICE - 1),
                call(exchange, BUYER, "try_buy", vec![Arg::I64(95)], 95 * PRICE),
            ],
            block(2),
        )
        .unwrap();
    let [sold, underpaid, refused]: [&Receipt; 3] = [0, 1, 2].map(|i| &sales.receipts[i]);
    assert!(sold.success, "{sold:?}");
    assert!(!underpaid.success);
    assert!(refused.success, "{refused:?}");
    assert_eq!(refused.return_data, 2i32.to_le_bytes(), "the token trapped");
    assert!(
        refused.events.is_empty(),
        "the failed token frame left no event"
    );
    // The sale's events: the token's transfer log, then the exchange's sale.
    assert_eq!(sold.events.len(), 2);
    assert_eq!(sold.events[0].contract, token.0);
    assert_eq!(sold.events[0].ttl, 0);
    let sale = Event {
        contract: exchange.0,
        topics: vec![bought_topic(), padded(BUYER)],
        data: 10u64.to_le_bytes().to_vec(),
        ttl: 1_000,
    };
    assert_eq!(sold.events[1], sale);
    assert_eq!(balance_of(&vm, token, BUYER), 10);
    assert_eq!(balance_of(&vm, token, exchange), 90);
    let view = vm.db().at(vm.db().head().root).unwrap();
    let value = |a: &Address| view.account(a).unwrap().map_or(0, |a| a.balance.as_u64());
    assert_eq!(
        value(&BUYER),
        1_000 - 10 * PRICE,
        "the refused sale gave it back"
    );
    assert_eq!(value(&exchange), 10 * PRICE);
    drop(view);

    // A light client proves the sale event from the receipts root alone.
    let (proof, record, meta) = prove_receipt(vm.db(), 2, 0).unwrap();
    assert_eq!(meta.receipts_root, sales.receipts_root);
    let proven = proof.verify_for(&sales.receipts_root.0, 0).unwrap();
    assert_eq!(proven, record);
    assert_eq!(proven.events[1], sale);

    // The node's index finds it by topic, by buyer, by contract.
    let query = |topic: Option<[u8; 32]>, contract: Option<Address>| EventQuery {
        contract,
        topic,
        from: 0,
        to: u64::MAX,
        after: None,
        limit: 100,
    };
    for q in [
        query(Some(bought_topic()), None),
        query(Some(padded(BUYER)), Some(exchange)),
        query(None, Some(exchange)),
    ] {
        let found = vm.db().events(&q).unwrap();
        assert_eq!(found.len(), 1, "{q:?}");
        assert_eq!(found[0].event, sale);
        assert_eq!(
            (
                found[0].position.height,
                found[0].position.tx,
                found[0].position.index
            ),
            (2, 0, 1)
        );
    }
    assert!(
        vm.db()
            .events(&query(None, Some(token)))
            .unwrap()
            .is_empty(),
        "ttl 0 is not indexed"
    );

    // An amount whose price overflows 64 bits is refused, not wrapped.
    let Tx::Call(huge) = call(exchange, BUYER, "buy", vec![Arg::I64(i64::MAX)], 0) else {
        unreachable!()
    };
    let r = vm.call(&huge, block(3)).unwrap();
    assert!(!r.success, "{r:?}");

    // Reopened: still there until block 1,002 commits, gone after it; the
    // receipt stays provable.
    drop(vm);
    let vm = open();
    vm.execute_block(&[], block(1_001)).unwrap();
    assert_eq!(
        vm.db()
            .events(&query(Some(bought_topic()), None))
            .unwrap()
            .len(),
        1
    );
    drop(vm);
    let vm = open();
    vm.execute_block(&[], block(1_002)).unwrap();
    assert!(
        vm.db()
            .events(&query(Some(bought_topic()), None))
            .unwrap()
            .is_empty()
    );
    let (proof, _, _) = prove_receipt(vm.db(), 2, 0).unwrap();
    assert_eq!(
        proof.verify_for(&sales.receipts_root.0, 0).unwrap().events[1],
        sale
    );
}
