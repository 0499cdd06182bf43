//! Contracts calling contracts (vm/tests/contracts/relay.wat): call chains
//! with failing frames, exact gas, the depth and reentrancy limits, hostile
//! callees, value moving and reverting with calls, library calls and
//! spawned contracts.

mod common;

use common::*;
use primitive_types::{H256, U256};
use svm_format::receipt::FailureCode;
use svm_state::kv::{KvStore, MemoryKv};
use svm_state::{Address, EMPTY_CODE_HASH};
use svm_vm::gas::{self, CODE_LOAD_BYTE, NEW_ACCOUNT};
use svm_vm::{
    Arg, Call, Event, Receipt, Spawn, Template, Tx, TxError, Vm, template_address, vmcalls,
};

const ALL: u64 = i64::MAX as u64;
const GAS: u64 = 5_000_000;

/// The status a relay returned, and the callee's return data after it.
fn status(r: &Receipt) -> (i32, Vec<u8>) {
    assert!(r.success, "{r:?}");
    let (s, rest) = r.return_data.split_at(4);
    (i32::from_le_bytes(s.try_into().unwrap()), rest.to_vec())
}

fn count<K: KvStore>(vm: &Vm<K>, c: Address) -> u64 {
    let r = call(vm, c, "count", vec![], 1_000_000);
    u64::from_le_bytes(r.return_data.try_into().unwrap())
}

fn relays<K: KvStore>(vm: &Vm<K>, n: usize) -> Vec<Address> {
    (0..n)
        .map(|_| {
            let r = deploy(vm, relay());
            assert!(r.success, "{r:?}");
            r.contract
        })
        .collect()
}

fn relay_call<K: KvStore>(vm: &Vm<K>, from: Address, function: &str, m: Vec<u8>) -> Receipt {
    call(vm, from, function, vec![Arg::Bytes(m)], GAS)
}

/// The contracts whose events a receipt carries, in order.
fn emitters(r: &Receipt) -> Vec<Address> {
    r.events.iter().map(|e| Address::from(e.contract)).collect()
}

#[test]
fn a_failing_middle_frame_reverts_alone() {
    let vm = vm();
    let [a, b, c] = relays(&vm, 3)[..] else {
        unreachable!()
    };
    let nobody = Address::repeat_byte(0x77);
    // C calls nobody (ContractNotFound, and goes on); B fails after C
    // returned; A goes on.
    let to_c = msg(
        c,
        ALL,
        0,
        "relay",
        &[Arg::Bytes(msg(nobody, ALL, 0, "x", &[]))],
    );
    let to_b = msg(b, ALL, 0, "relay_then_fail", &[Arg::Bytes(to_c.clone())]);
    let r = relay_call(&vm, a, "relay", to_b);
    assert_eq!(status(&r), (FailureCode::Trap as i32, vec![]));
    assert_eq!(emitters(&r), vec![a], "B's and C's events are gone with B");
    assert_eq!([count(&vm, a), count(&vm, b), count(&vm, c)], [1, 0, 0]);

    // B succeeds, C fails: C alone is reverted.
    let to_c = msg(
        c,
        ALL,
        0,
        "relay_then_fail",
        &[Arg::Bytes(msg(a, 0, 0, "count", &[]))],
    );
    let to_b = msg(b, ALL, 0, "relay", &[Arg::Bytes(to_c)]);
    let r = relay_call(&vm, a, "relay", to_b);
    let (s, inner) = status(&r);
    assert_eq!(s, 0);
    assert_eq!(
        inner,
        (FailureCode::Trap as i32).to_le_bytes(),
        "B saw C fail"
    );
    assert_eq!(emitters(&r), vec![a, b]);
    assert_eq!([count(&vm, a), count(&vm, b), count(&vm, c)], [2, 1, 0]);

    // All succeed: every frame's events, in the order they were emitted,
    // and C's ContractNotFound passed up as data.
    let to_c = msg(
        c,
        ALL,
        0,
        "relay",
        &[Arg::Bytes(msg(nobody, ALL, 0, "x", &[]))],
    );
    let to_b = msg(b, ALL, 0, "relay", &[Arg::Bytes(to_c)]);
    let r = relay_call(&vm, a, "relay", to_b);
    let (s, inner) = status(&r);
    assert_eq!(s, 0);
    // B's status for its call of C, then C's for its call of nobody.
    let mut want = 0i32.to_le_bytes().to_vec();
    want.extend((FailureCode::ContractNotFound as i32).to_le_bytes());
    assert_eq!(inner, want);
    assert_eq!(emitters(&r), vec![a, b, c]);
    assert_eq!(
        r.contract, a,
        "the receipt names the transaction's contract"
    );
    assert_eq!([count(&vm, a), count(&vm, b), count(&vm, c)], [3, 2, 1]);
    // Each event is the frame's own: topic "relay", the new count.
    let mut topic = [0u8; 32];
    topic[..5].copy_from_slice(b"relay");
    assert_eq!(
        r.events[2],
        Event {
            contract: c.0,
            topics: vec![topic],
            data: 1u64.to_le_bytes().to_vec(),
            ttl: 10,
        }
    );

    // The outermost failure is the receipt's: nothing of any frame stays.
    let to_b = msg(
        b,
        ALL,
        0,
        "relay",
        &[Arg::Bytes(msg(c, 0, 0, "count", &[]))],
    );
    let head = vm.db().head();
    let r = relay_call(&vm, a, "relay_then_fail", to_b);
    assert!(matches!(r.error, Some(TxError::Trap(_))), "{r:?}");
    assert!(r.events.is_empty() && r.return_data.is_empty());
    assert_eq!(vm.db().head(), head);
}

#[test]
fn gas_given_to_a_callee_is_exact() {
    let run = || {
        let vm = vm();
        let [a, b] = relays(&vm, 2)[..] else {
            unreachable!()
        };
        [50_000u64, 60_000]
            .map(|g| relay_call(&vm, a, "relay", msg(b, g, 0, "spin", &[])))
            .to_vec()
    };
    let first = run();
    for r in &first {
        assert_eq!(status(r).0, FailureCode::OutOfGas as i32);
    }
    // A callee running out uses exactly what it was given.
    assert_eq!(first[1].gas_used - first[0].gas_used, 10_000);
    // The same receipts, byte for byte, on a fresh database.
    let second = run();
    for (x, y) in first.iter().zip(&second) {
        assert_eq!(x.encode(), y.encode());
        assert_eq!(x, y);
    }
}

#[test]
fn a_callee_gets_at_most_all_but_a_64th() {
    let vm = vm();
    let [a, b] = relays(&vm, 2)[..] else {
        unreachable!()
    };
    for limit in [1_000_000u64, 3_000_000, 10_000_000] {
        let r = call(
            &vm,
            a,
            "relay",
            vec![Arg::Bytes(msg(b, ALL, 0, "spin", &[]))],
            limit,
        );
        // The callee spun until its gas was gone, and the caller, with the
        // 64th it kept, finished.
        assert_eq!(status(&r).0, FailureCode::OutOfGas as i32, "{limit}");
        let left = limit - r.gas_used;
        assert!(left > 0 && left < limit / 64, "{limit}: {left} left");
    }
}

#[test]
fn frames_nest_at_most_max_frames_deep() {
    let vm = vm();
    let r = deploy(&vm, wasm(&relay_text(true)));
    let me = r.contract;
    // A message that makes `me` call itself `depth` times.
    let mut m = msg(me, 0, 0, "count", &[]);
    for _ in 0..9 {
        m = msg(me, ALL, 0, "relay", &[Arg::Bytes(m)]);
    }
    let r = relay_call(&vm, me, "relay", m);
    let (s, inner) = status(&r);
    assert_eq!(s, 0);
    let statuses: Vec<i32> = std::iter::once(s)
        .chain(
            inner
                .chunks(4)
                .map(|c| i32::from_le_bytes(c.try_into().unwrap())),
        )
        .collect();
    let frames = vmcalls::MAX_FRAMES as usize;
    let mut want = vec![0; frames - 1];
    want.push(FailureCode::CallDepth as i32);
    assert_eq!(statuses, want, "the {frames}th frame's call is refused");
    assert_eq!(count(&vm, me), frames as u64);
    assert_eq!(r.events.len(), frames);
}

/// The host's share of the native stack per nested frame is small: the
/// deepest chain of frames runs on a thread of 256 KiB (wasm code runs on
/// stacks of its own; the host's vmcalls run on the thread's).
#[test]
fn the_deepest_chain_fits_a_small_thread_stack() {
    let vm = vm();
    let me = deploy(&vm, wasm(&relay_text(true))).contract;
    let mut m = msg(me, 0, 0, "count", &[]);
    for _ in 0..vmcalls::MAX_FRAMES {
        m = msg(me, ALL, 0, "relay", &[Arg::Bytes(m)]);
    }
    let tx = call_tx(me, "relay", vec![Arg::Bytes(m)], GAS);
    let r = std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn_scoped(s, || vm.call(&tx, BLOCK).unwrap())
            .unwrap()
            .join()
            .unwrap()
    });
    assert_eq!(count(&vm, me), u64::from(vmcalls::MAX_FRAMES), "{r:?}");
}

#[test]
fn a_running_contract_is_entered_again_only_if_it_accepts() {
    let vm = vm();
    let [a, b] = relays(&vm, 2)[..] else {
        unreachable!()
    };
    // A → B → A: refused, B goes on.
    let back = msg(a, ALL, 0, "count", &[]);
    let r = relay_call(
        &vm,
        a,
        "relay",
        msg(b, ALL, 0, "relay", &[Arg::Bytes(back.clone())]),
    );
    let (s, inner) = status(&r);
    assert_eq!(s, 0);
    assert_eq!(inner, (FailureCode::Reentrancy as i32).to_le_bytes());
    // A calling itself directly: refused too.
    let r = relay_call(&vm, a, "relay", back);
    assert_eq!(status(&r).0, FailureCode::Reentrancy as i32);
    // A contract that exports svm_reentrant is entered again.
    let open = deploy(&vm, wasm(&relay_text(true))).contract;
    let back = msg(open, ALL, 0, "count", &[]);
    let r = relay_call(
        &vm,
        open,
        "relay",
        msg(b, ALL, 0, "relay", &[Arg::Bytes(back)]),
    );
    let (s, inner) = status(&r);
    assert_eq!(s, 0);
    let mut want = 0i32.to_le_bytes().to_vec();
    want.extend(1u64.to_le_bytes());
    assert_eq!(
        inner, want,
        "the reentered frame read the count its caller wrote"
    );
    // Sequential calls of the same contract are not reentry.
    let r = call(
        &vm,
        a,
        "relay_n",
        vec![Arg::Bytes(msg(b, ALL, 0, "count", &[])), Arg::I32(3)],
        GAS,
    );
    assert_eq!(status(&r).0, 0);
}

/// A caller that misuses the call vmcalls: each function passes one bad
/// argument.
const MISUSE: &str = r#"(module
  (import "svm" "call" (func $call (param i32 i32 i32 i32 i32 i32 i64) (result i32)))
  (import "svm" "returned" (func $returned (param i32 i32) (result i32)))
  (memory (export "memory") 1 1)
  (@custom "svm-layout" "\80\20\00")
  (func (export "address_outside") (drop (call $call (i32.const 65530) (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 0) (i64.const 1000))))
  (func (export "negative_gas") (drop (call $call (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 0) (i64.const -1))))
  (func (export "long_name") (drop (call $call (i32.const 0) (i32.const 0) (i32.const 257) (i32.const 0) (i32.const 1) (i32.const 0) (i64.const 1000))))
  (func (export "args_outside") (drop (call $call (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 60000) (i32.const 10000) (i32.const 0) (i64.const 1000))))
  (func (export "returned_outside") (drop (call $returned (i32.const 65535) (i32.const 16))))
  (func (export "returned_empty") (result i32) (call $returned (i32.const 65535) (i32.const 0)))
)"#;

#[test]
fn hostile_callees_and_bad_arguments() {
    let vm = vm();
    let [a, b] = relays(&vm, 2)[..] else {
        unreachable!()
    };
    let code = |r: &Receipt| status(r).0;
    for (function, args, want) in [
        ("spin", vec![], FailureCode::OutOfGas),
        ("trap", vec![], FailureCode::Trap),
        ("bad_return", vec![], FailureCode::Trap),
        ("missing", vec![], FailureCode::FunctionNotFound),
        ("count", vec![Arg::I32(1)], FailureCode::InvalidArguments),
    ] {
        let r = relay_call(&vm, a, "relay", msg(b, 1_000_000, 0, function, &args));
        assert_eq!(code(&r), want as i32, "{function}");
    }
    // Arguments that do not decode, a name that is not UTF-8.
    let mut garbage = msg(b, ALL, 0, "count", &[]);
    garbage.push(0x00);
    let r = relay_call(&vm, a, "relay", garbage);
    assert_eq!(code(&r), FailureCode::InvalidArguments as i32);
    let mut not_utf8 = msg(b, ALL, 0, "x", &[]);
    not_utf8[64] = 0xff;
    let r = relay_call(&vm, a, "relay", not_utf8);
    assert_eq!(code(&r), FailureCode::FunctionNotFound as i32);
    // Return data: copied when it fits, its length only when not.
    let r = relay_call(
        &vm,
        a,
        "relay",
        msg(b, ALL, 0, "echo", &[Arg::Bytes(vec![7; 300])]),
    );
    assert_eq!(status(&r), (0, vec![7; 300]));
    let r = relay_call(&vm, a, "relay", msg(b, ALL, 0, "big_return", &[]));
    assert_eq!(
        status(&r),
        (0, vec![]),
        "8 KiB does not fit the relay's 4 KiB"
    );
    // An account without code, a template: not contracts.
    fund(&vm, &Address::repeat_byte(0x31), 5);
    let r = relay_call(
        &vm,
        a,
        "relay",
        msg(Address::repeat_byte(0x31), ALL, 0, "x", &[]),
    );
    assert_eq!(code(&r), FailureCode::ContractNotFound as i32);
    let t = vm
        .template(
            &Template {
                author: AUTHOR,
                nonce: next_nonce(&vm, &AUTHOR),
                code: relay(),
                gas_limit: GAS,
            },
            BLOCK,
        )
        .unwrap();
    assert!(t.success, "{t:?}");
    let r = relay_call(&vm, a, "relay", msg(t.contract, ALL, 0, "count", &[]));
    assert_eq!(code(&r), FailureCode::ContractNotFound as i32);

    // Bad pointers and lengths trap the caller.
    let m = deploy(&vm, MISUSE.as_bytes().to_vec()).contract;
    for (function, needle) in [
        ("address_outside", "memory access"),
        ("negative_gas", "negative"),
        ("long_name", "longer than the 256 allowed"),
        ("args_outside", "memory access"),
        ("returned_outside", "memory access"),
    ] {
        let r = call(&vm, m, function, vec![], 1_000_000);
        match &r.error {
            Some(TxError::Trap(msg)) => assert!(msg.contains(needle), "{function}: {msg}"),
            other => panic!("{function}: {other:?}"),
        }
    }
    let r = call(&vm, m, "returned_empty", vec![], 1_000_000);
    assert!(r.success, "{r:?}");
}

#[test]
fn memory_bombs_in_callees_are_freed_with_their_frames() {
    let vm = vm();
    let [a, b] = relays(&vm, 2)[..] else {
        unreachable!()
    };
    // Warm up (module compiled, stacks pooled).
    let r = call(
        &vm,
        a,
        "relay_n",
        vec![Arg::Bytes(msg(b, ALL, 0, "bomb", &[])), Arg::I32(2)],
        30_000_000,
    );
    assert_eq!(status(&r).0, 0, "{r:?}");
    let before = rss_kib();
    // 100 callees each touching 16 MiB.
    let r = call(
        &vm,
        a,
        "relay_n",
        vec![Arg::Bytes(msg(b, ALL, 0, "bomb", &[])), Arg::I32(100)],
        30_000_000,
    );
    assert_eq!(status(&r).0, 0, "{r:?}");
    let grown = rss_kib().saturating_sub(before);
    assert!(grown < 256 * 1024, "RSS grew by {grown} KiB");
}

fn balance<K: KvStore>(vm: &Vm<K>, who: &Address) -> u64 {
    let view = vm.db().at(vm.db().head().root).unwrap();
    view.account(who).unwrap().map_or(0, |a| a.balance.as_u64())
}

#[test]
fn value_moves_with_calls_and_returns_with_their_failures() {
    let vm = vm();
    let [a, b, c] = relays(&vm, 3)[..] else {
        unreachable!()
    };
    fund(&vm, &USER, 1_000);
    let total = |vm: &Vm<MemoryKv>| [USER, a, b, c].iter().map(|x| balance(vm, x)).sum::<u64>();
    // USER → A (100) → B (30) → C (10, fails): C's 10 goes back to B.
    let to_c = msg(
        c,
        ALL,
        10,
        "relay_then_fail",
        &[Arg::Bytes(msg(a, 0, 0, "count", &[]))],
    );
    let to_b = msg(b, ALL, 30, "relay", &[Arg::Bytes(to_c)]);
    let mut tx = call_tx(a, "relay", vec![Arg::Bytes(to_b)], GAS);
    tx.value = 100u64.into();
    let r = vm.call(&tx, BLOCK).unwrap();
    assert_eq!(status(&r).0, 0);
    assert_eq!([USER, a, b, c].map(|x| balance(&vm, &x)), [900, 70, 30, 0]);
    // More than the caller holds: refused, nothing moves.
    let r = relay_call(&vm, b, "relay", msg(c, ALL, 31, "count", &[]));
    assert_eq!(status(&r).0, FailureCode::InsufficientBalance as i32);
    assert_eq!(balance(&vm, &b), 30);
    // A failing transaction returns all of it.
    let to_b = msg(
        b,
        ALL,
        50,
        "relay",
        &[Arg::Bytes(msg(c, ALL, 20, "count", &[]))],
    );
    let mut tx = call_tx(a, "relay_then_fail", vec![Arg::Bytes(to_b)], GAS);
    tx.value = 100u64.into();
    let r = vm.call(&tx, BLOCK).unwrap();
    assert!(!r.success);
    assert_eq!([USER, a, b, c].map(|x| balance(&vm, &x)), [900, 70, 30, 0]);
    assert_eq!(total(&vm), 1_000);
    // The callee sees its caller and the value.
    let r = relay_call(&vm, b, "relay", msg(c, ALL, 5, "whoami", &[]));
    let (s, me) = status(&r);
    assert_eq!(s, 0);
    assert_eq!(&me[..20], c.as_bytes());
    assert_eq!(&me[20..40], b.as_bytes());
    assert_eq!(U256::from_big_endian(&me[40..72]), 5u64.into());
}

fn template<K: KvStore>(vm: &Vm<K>, code: Vec<u8>) -> (Receipt, H256) {
    let hash = svm_state::code::code_hash(&code);
    let r = vm
        .template(
            &Template {
                author: AUTHOR,
                nonce: next_nonce(vm, &AUTHOR),
                code,
                gas_limit: GAS,
            },
            BLOCK,
        )
        .unwrap();
    (r, hash)
}

#[test]
fn library_calls_run_against_the_callers_storage() {
    let vm = vm();
    let [me] = relays(&vm, 1)[..] else {
        unreachable!()
    };
    let (t, lib) = template(&vm, relay());
    assert!(t.success, "{t:?}");
    assert_eq!(t.contract, template_address(&lib));
    // The library's `relay` bumps *my* count and emits as me; its call
    // of `whoami` on a relay shows it runs as me.
    let [other] = relays(&vm, 1)[..] else {
        unreachable!()
    };
    let inner = msg(other, ALL, 0, "whoami", &[]);
    let r = relay_call(
        &vm,
        me,
        "relay_lib",
        lib_msg(lib, ALL, "relay", &[Arg::Bytes(inner)]),
    );
    let (s, data) = status(&r);
    assert_eq!(s, 0);
    assert_eq!(i32::from_le_bytes(data[..4].try_into().unwrap()), 0);
    assert_eq!(&data[24..44], me.as_bytes(), "other's caller is me");
    assert_eq!(
        count(&vm, me),
        2,
        "my frame and the library's bumped my count"
    );
    assert_eq!(emitters(&r), vec![me, me]);
    // The template itself holds no storage and changed nothing.
    let view = vm.db().at(vm.db().head().root).unwrap();
    let acct = view.account(&t.contract).unwrap().unwrap();
    assert_eq!(acct.storage_root, svm_trie::EMPTY_ROOT);
    // The library sees my caller and my value.
    let r = relay_call(&vm, me, "relay_lib", lib_msg(lib, ALL, "whoami", &[]));
    let (_, data) = status(&r);
    assert_eq!(&data[..20], me.as_bytes());
    assert_eq!(&data[20..40], USER.as_bytes());

    // A template whose layout is not a prefix of mine, and no template.
    let wide = String::from_utf8(relay_text(false))
        .unwrap()
        .replace(r#""\80\20\01\08""#, r#""\80\20\01\10""#);
    let (_, bad) = template(&vm, wasm(wide.as_bytes()));
    let r = relay_call(&vm, me, "relay_lib", lib_msg(bad, ALL, "count", &[]));
    assert_eq!(status(&r).0, FailureCode::IncompatibleLayout as i32);
    let r = relay_call(
        &vm,
        me,
        "relay_lib",
        lib_msg(H256::repeat_byte(9), ALL, "count", &[]),
    );
    assert_eq!(status(&r).0, FailureCode::TemplateNotFound as i32);
    // A library failing reverts what it did to my storage.
    let r = relay_call(
        &vm,
        me,
        "relay_lib",
        lib_msg(
            lib,
            ALL,
            "relay_then_fail",
            &[Arg::Bytes(msg(other, 0, 0, "count", &[]))],
        ),
    );
    assert_eq!(status(&r).0, FailureCode::Trap as i32);
    assert_eq!(
        count(&vm, me),
        6,
        "five relay_lib frames of mine, one library frame that stayed"
    );
}

#[test]
fn spawned_contracts_share_code_not_storage() {
    let vm = vm();
    let code = contract("map_token.wat");
    let (t, hash) = template(&vm, code.clone());
    assert!(t.success, "{t:?}");
    let new_author = Address::repeat_byte(0x42);
    // AUTHOR's first transaction: its account is new too.
    assert_eq!(
        t.gas_used,
        gas::template_intrinsic(code.len()) + NEW_ACCOUNT
    );
    let compiles = vm.module_stats().compiles;
    let spawn = |author: Address, nonce: u64| {
        vm.spawn(
            &Spawn {
                author,
                nonce,
                template: hash,
                balance: 0u64.into(),
                constructor: Some(("init".into(), vec![])),
                gas_limit: GAS,
            },
            BLOCK,
        )
        .unwrap()
    };
    let one = spawn(AUTHOR, next_nonce(&vm, &AUTHOR));
    let two = spawn(new_author, 0);
    for r in [&one, &two] {
        assert!(r.success, "{r:?}");
    }
    assert_ne!(one.contract, two.contract);
    // The second author had no account: it pays for one.
    let constructor_gas =
        one.gas_used - gas::spawn_intrinsic(0) - CODE_LOAD_BYTE * code.len() as u64;
    assert_eq!(
        two.gas_used,
        one.gas_used + NEW_ACCOUNT,
        "{constructor_gas}"
    );
    assert_eq!(
        vm.module_stats().compiles,
        compiles,
        "compiled once, for the template"
    );
    let view = vm.db().at(vm.db().head().root).unwrap();
    for c in [one.contract, two.contract] {
        assert_eq!(view.account(&c).unwrap().unwrap().code_hash, hash);
    }
    // Separate storage: each owner mints in its own.
    let mint = |c: Address, sender: Address| {
        let mut tx = call_tx(
            c,
            "mint",
            vec![Arg::Bytes(USER.as_bytes().to_vec()), Arg::I64(5)],
            GAS,
        );
        tx.sender = sender;
        vm.call(&tx, BLOCK).unwrap()
    };
    assert!(mint(one.contract, AUTHOR).success);
    assert!(
        !mint(two.contract, AUTHOR).success,
        "AUTHOR does not own the second"
    );
    assert!(mint(two.contract, new_author).success);
    assert!(mint(two.contract, new_author).success);
    let supply = |c: Address| {
        let r = call(&vm, c, "total_supply", vec![], GAS);
        u64::from_le_bytes(r.return_data.try_into().unwrap())
    };
    assert_eq!((supply(one.contract), supply(two.contract)), (5, 10));

    // Refusals: no such template, a used nonce, the same template twice.
    let mut bad = Spawn {
        author: AUTHOR,
        nonce: next_nonce(&vm, &AUTHOR),
        template: H256::repeat_byte(3),
        balance: 0u64.into(),
        constructor: None,
        gas_limit: GAS,
    };
    let r = vm.spawn(&bad, BLOCK).unwrap();
    assert!(
        matches!(r.error, Some(TxError::TemplateNotFound(_))),
        "{r:?}"
    );
    assert_eq!(r.gas_used, gas::spawn_intrinsic(0));
    bad.template = hash;
    bad.nonce = 0;
    let r = vm.spawn(&bad, BLOCK).unwrap();
    assert!(matches!(r.error, Some(TxError::InvalidNonce(_))), "{r:?}");
    let (again, _) = template(&vm, code);
    assert!(
        matches!(again.error, Some(TxError::AccountExists(_))),
        "{again:?}"
    );
    // A template is not a contract.
    let r = call(&vm, t.contract, "total_supply", vec![], GAS);
    assert!(
        matches!(r.error, Some(TxError::ContractNotFound(_))),
        "{r:?}"
    );
    // A template's code must pass validation like a deploy's.
    let (r, _) = template(&vm, b"\0asm\x01\0\0\0\x99".to_vec());
    assert!(
        matches!(r.error, Some(TxError::ValidationFailed(_))),
        "{r:?}"
    );
    let acct = view
        .account(&template_address(&H256::repeat_byte(3)))
        .unwrap();
    assert!(acct.is_none());
    assert_ne!(hash, EMPTY_CODE_HASH);
}

#[test]
fn a_block_of_calls_is_the_same_on_every_node() {
    let txs = |a: Address, b: Address, c: Address| -> Vec<Tx> {
        let chain = msg(
            b,
            ALL,
            0,
            "relay",
            &[Arg::Bytes(msg(c, 40_000, 0, "spin", &[]))],
        );
        vec![
            Tx::Call(call_tx(a, "relay", vec![Arg::Bytes(chain.clone())], GAS)),
            Tx::Call(call_tx(a, "relay_then_fail", vec![Arg::Bytes(chain)], GAS)),
            Tx::Call(call_tx(
                b,
                "relay",
                vec![Arg::Bytes(msg(c, ALL, 0, "trap", &[]))],
                GAS,
            )),
            Tx::Call(Call {
                value: 0u64.into(),
                ..call_tx(
                    c,
                    "relay",
                    vec![Arg::Bytes(msg(a, ALL, 0, "count", &[]))],
                    GAS,
                )
            }),
        ]
    };
    let run = || {
        let vm = vm();
        let [a, b, c] = relays(&vm, 3)[..] else {
            unreachable!()
        };
        let block = vm.execute_block(&txs(a, b, c), BLOCK).unwrap();
        let one_by_one = {
            let vm2 = self::vm();
            let [a, b, c] = relays(&vm2, 3)[..] else {
                unreachable!()
            };
            txs(a, b, c)
                .iter()
                .map(|tx| vm2.execute(tx, BLOCK).unwrap().gas_used)
                .collect::<Vec<_>>()
        };
        (block, one_by_one)
    };
    let (x, singles) = run();
    let (y, _) = run();
    assert_eq!(x, y);
    assert_eq!(x.receipts_root, y.receipts_root);
    let gas: Vec<u64> = x.receipts.iter().map(|r| r.gas_used).collect();
    assert_eq!(gas, singles, "gas does not depend on the block");
    assert_eq!(x.receipts.iter().filter(|r| r.success).count(), 3);
}

/// Value sent to a template's address before the template exists cannot
/// block it (the deploy's rule): the template lands there and keeps it.
#[test]
fn value_sent_first_does_not_block_a_template() {
    let vm = vm();
    let code = relay();
    let address = template_address(&svm_state::code::code_hash(&code));
    fund(&vm, &address, 9);
    let (t, _) = template(&vm, code);
    assert!(t.success, "{t:?}");
    assert_eq!(t.contract, address);
    let view = vm.db().at(vm.db().head().root).unwrap();
    let account = view.account(&address).unwrap().unwrap();
    assert_eq!(account.balance, 9u64.into());
    assert_ne!(account.code_hash, EMPTY_CODE_HASH);
}
