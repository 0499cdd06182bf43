//! The C API end to end, called as a C host calls it: contracts, blocks,
//! reads, proofs, range serving, reopening, and every error a host can
//! provoke.

mod common;

use common::*;
use svm_ffi::*;
use svm_format::rlp;
use svm_vm::Arg;

fn counter() -> Vec<u8> {
    svm_tests::contract("counter.wat")
}

#[test]
fn the_counter_end_to_end_with_a_proof_verified() {
    let db = memory_db();
    let vm = new_vm(db);
    let deployed = run(vm, &deploy_tx(counter(), 0), 1).expect("deploy");
    assert_eq!(deployed.status, 0, "{}", deployed.message);
    assert_eq!(deployed.world_root.len(), 32);
    let contract = deployed.contract.clone();
    let r = run(vm, &call_tx(&contract, "increment", vec![Arg::I64(5)]), 2).expect("call");
    assert_eq!((r.status, r.message.as_str()), (0, ""));
    assert_eq!(variable(db, &contract, 0), 5u64.to_le_bytes());
    // A failing call is a receipt, not an error, and changes nothing.
    let f = run(vm, &call_tx(&contract, "fail_after_write", vec![]), 3).expect("receipt");
    assert_ne!(f.status, 0);
    assert!(f.message.contains("trap"), "{}", f.message);
    assert_eq!(f.world_root, r.world_root);
    assert_eq!(variable(db, &contract, 0), 5u64.to_le_bytes());

    let mut head = SvmHead::default();
    let mut err = buffer();
    // SAFETY: valid pointers.
    status(unsafe { svm_db_head(db, &mut head, &mut err) }, err).expect("head");
    assert_eq!(head.root.bytes.as_slice(), r.world_root.as_slice());

    for format in [SVM_FORMAT_BINARY, SVM_FORMAT_JSON] {
        let (mut proof, mut err) = (buffer(), buffer());
        // SAFETY: valid pointers.
        let s = unsafe {
            svm_prove_variable(
                db,
                none(),
                view(&contract),
                0,
                true,
                format,
                &mut proof,
                &mut err,
            )
        };
        status(s, err).expect("prove");
        let proof = take(proof);
        let (mut out, mut err) = (buffer(), buffer());
        // SAFETY: valid pointers.
        let s = unsafe {
            svm_verify_proof(
                view(&proof),
                view(&head.root.bytes),
                none(),
                &mut out,
                &mut err,
            )
        };
        status(s, err).expect("verify");
        let proven: serde_json::Value = serde_json::from_slice(&take(out)).expect("JSON");
        assert_eq!(proven["kind"], "variable");
        assert_eq!(
            proven["value"],
            format!("0x{}", hex::encode(5u64.to_le_bytes()))
        );
        // Against another root, the same proof fails.
        let (mut out, mut err) = (buffer(), buffer());
        // SAFETY: valid pointers.
        let s =
            unsafe { svm_verify_proof(view(&proof), view(&[7; 32]), none(), &mut out, &mut err) };
        assert_eq!(status(s, err).unwrap_err().0, SvmStatus::ProofInvalid);
        assert!(out.ptr.is_null(), "a failure leaves no output");
    }
    free_vm(vm);
    close_db(db);
}

#[test]
fn a_block_of_token_transfers_commits_once_and_its_receipts_are_provable() {
    let db = memory_db();
    let vm = new_vm(db);
    let token = run(vm, &deploy_tx(svm_tests::contract("token.wat"), 0), 1)
        .expect("deploy")
        .contract;
    let mut txs = vec![call_tx(&token, "mint", vec![Arg::I32(0), Arg::I64(1000)])];
    for i in 0..20 {
        txs.push(call_tx(
            &token,
            "transfer",
            vec![Arg::I32(0), Arg::I32(1 + i % 3), Arg::I64(7)],
        ));
    }
    // One that fails (more than holder 5 has) is reverted alone.
    txs.push(call_tx(
        &token,
        "transfer",
        vec![Arg::I32(5), Arg::I32(0), Arg::I64(1)],
    ));
    let bytes = encode_block(&txs);
    let (mut out, mut err) = (buffer(), buffer());
    let ctx = SvmBlock {
        height: 2,
        time: 1_700_000_000,
    };
    // SAFETY: valid pointers.
    status(
        unsafe { svm_vm_execute_block(vm, view(&bytes), ctx, &mut out, &mut err) },
        err,
    )
    .expect("block");
    let result = take(out);
    let f = rlp::items(rlp::one(&result).expect("one")).expect("list");
    let (world_root, receipts_root) = (f[0].payload.to_vec(), f[1].payload.to_vec());
    let receipts: Vec<Receipt> = rlp::items(f[2])
        .expect("receipts")
        .into_iter()
        .map(receipt_item)
        .collect();
    assert_eq!(receipts.len(), txs.len());
    assert!(
        receipts[..21]
            .iter()
            .all(|r| r.status == 0 && r.world_root.is_empty())
    );
    assert_ne!(receipts[21].status, 0);
    assert_eq!(variable(db, &token, 0), 1000u64.to_le_bytes());

    let mut info = SvmBlockInfo::default();
    let mut err = buffer();
    // SAFETY: valid pointers.
    status(unsafe { svm_db_block(db, 2, &mut info, &mut err) }, err).expect("block info");
    assert_eq!(info.world_root.bytes.as_slice(), world_root.as_slice());
    assert_eq!(
        info.receipts_root.bytes.as_slice(),
        receipts_root.as_slice()
    );
    assert_eq!((info.receipts, info.time), (22, 1_700_000_000));

    let (mut proof, mut err) = (buffer(), buffer());
    // SAFETY: valid pointers.
    status(
        unsafe { svm_prove_receipt(db, 2, 21, SVM_FORMAT_BINARY, &mut proof, &mut err) },
        err,
    )
    .expect("prove receipt");
    let proof = take(proof);
    let (mut out, mut err) = (buffer(), buffer());
    // SAFETY: valid pointers.
    let s = unsafe {
        svm_verify_proof(
            view(&proof),
            view(&receipts_root),
            none(),
            &mut out,
            &mut err,
        )
    };
    status(s, err).expect("verify receipt");
    let proven: serde_json::Value = serde_json::from_slice(&take(out)).expect("JSON");
    assert_eq!(proven["kind"], "receipt");
    assert_eq!(proven["receipt"]["status"], receipts[21].status);

    // A block one transaction of which no block may hold commits nothing.
    let mut over = call_tx(&token, "mint", vec![Arg::I32(0), Arg::I64(1)]);
    if let svm_vm::Tx::Call(c) = &mut over {
        c.gas_limit = u64::MAX;
    }
    let bytes = encode_block(&[txs[0].clone(), over]);
    let (mut out, mut err) = (buffer(), buffer());
    // SAFETY: valid pointers.
    let s = unsafe { svm_vm_execute_block(vm, view(&bytes), block(3), &mut out, &mut err) };
    let (code, message) = status(s, err).unwrap_err();
    assert_eq!(code, SvmStatus::InvalidTx, "{message}");
    assert!(out.ptr.is_null());
    assert_eq!(variable(db, &token, 0), 1000u64.to_le_bytes());
    free_vm(vm);
    close_db(db);
}

#[test]
fn a_database_reopens_with_its_state_and_a_read_only_one_refuses_a_vm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("db");
    let path = path.to_str().expect("UTF-8");
    let open = |options: &str| {
        let mut db = std::ptr::null_mut();
        let mut err = buffer();
        // SAFETY: valid pointers.
        let s = unsafe {
            svm_db_open(
                view(path.as_bytes()),
                view(options.as_bytes()),
                &mut db,
                &mut err,
            )
        };
        status(s, err).map(|()| db)
    };
    let db = open("").expect("open");
    let vm = new_vm(db);
    let contract = run(vm, &deploy_tx(counter(), 0), 1)
        .expect("deploy")
        .contract;
    run(vm, &call_tx(&contract, "increment", vec![Arg::I64(3)]), 2).expect("call");
    // While the VM holds the database, the directory stays locked.
    close_db(db);
    let (code, _) = open("").unwrap_err();
    assert_eq!(code, SvmStatus::Node);
    free_vm(vm);

    let db = open("{\"node_cache_bytes\": 1048576}").expect("reopen");
    assert_eq!(variable(db, &contract, 0), 3u64.to_le_bytes());
    close_db(db);

    let db = open("{\"read_only\": true}").expect("read-only");
    assert_eq!(variable(db, &contract, 0), 3u64.to_le_bytes());
    let mut vm = std::ptr::null_mut();
    let mut err = buffer();
    // SAFETY: valid pointers.
    let s = unsafe { svm_vm_new(db, none(), &mut vm, &mut err) };
    assert_eq!(status(s, err).unwrap_err().0, SvmStatus::ReadOnly);
    close_db(db);

    let (code, message) = open("{\"cache\": 1}").unwrap_err();
    assert_eq!(code, SvmStatus::InvalidInput);
    assert!(message.contains("unknown field"), "{message}");
}

#[test]
fn reads_at_past_roots_elements_and_code() {
    let db = memory_db();
    let vm = new_vm(db);
    let d = run(vm, &deploy_tx(counter(), 0), 1).expect("deploy");
    let first = d.world_root.clone();
    run(vm, &call_tx(&d.contract, "increment", vec![Arg::I64(9)]), 2).expect("call");
    let (mut out, mut err) = (buffer(), buffer());
    // SAFETY: valid pointers.
    let s = unsafe { svm_db_variable(db, view(&first), view(&d.contract), 0, &mut out, &mut err) };
    status(s, err).expect("past variable");
    assert_eq!(take(out), [0; 8]);

    let (mut out, mut err) = (buffer(), buffer());
    // SAFETY: valid pointers.
    let s = unsafe { svm_db_account(db, none(), view(&d.contract), &mut out, &mut err) };
    status(s, err).expect("account");
    let account = svm_state::Account::decode(&take(out)).expect("an account");
    let (mut out, mut err) = (buffer(), buffer());
    // SAFETY: valid pointers.
    let s = unsafe { svm_db_code(db, view(account.code_hash.as_bytes()), &mut out, &mut err) };
    status(s, err).expect("code");
    assert_eq!(take(out), counter());

    let mut root = SvmHash::default();
    let mut err = buffer();
    // SAFETY: valid pointers.
    status(unsafe { svm_db_root_at(db, 1, &mut root, &mut err) }, err).expect("root 1");
    assert_eq!(root.bytes.as_slice(), first.as_slice());
    let mut err = buffer();
    // SAFETY: valid pointers.
    let s = unsafe { svm_db_root_at(db, 99, &mut root, &mut err) };
    assert_eq!(status(s, err).unwrap_err().0, SvmStatus::NotFound);

    // Range serving: the world trie at the head, and a root not held.
    let mut head = SvmHead::default();
    let mut err = buffer();
    // SAFETY: valid pointers.
    status(unsafe { svm_db_head(db, &mut head, &mut err) }, err).expect("head");
    let (mut out, mut err) = (buffer(), buffer());
    // SAFETY: valid pointers.
    let s = unsafe {
        svm_serve_range(
            db,
            view(&head.root.bytes),
            none(),
            none(),
            1 << 20,
            &mut out,
            &mut err,
        )
    };
    status(s, err).expect("range");
    let range = svm_sync::wire::decode_range(&take(out)).expect("a range message");
    assert!(!range.entries.is_empty());
    let (mut out, mut err) = (buffer(), buffer());
    // SAFETY: valid pointers.
    let s = unsafe {
        svm_serve_range(
            db,
            view(&[1; 32]),
            none(),
            none(),
            1 << 20,
            &mut out,
            &mut err,
        )
    };
    assert_eq!(status(s, err).unwrap_err().0, SvmStatus::NotFound);
    free_vm(vm);
    close_db(db);
}

#[test]
fn bad_handles_pointers_and_lengths_are_errors() {
    let db = memory_db();
    let vm = new_vm(db);
    let mut head = SvmHead::default();
    let check = |s: SvmStatus, err: SvmBuffer, want: SvmStatus| {
        let (code, message) = status(s, err).unwrap_err();
        assert_eq!(code, want, "{message}");
    };
    // NULL, made-up, and the wrong kind of handle.
    let mut err = buffer();
    // SAFETY: the pointers are valid; the handles are not, on purpose.
    unsafe {
        check(
            svm_db_head(std::ptr::null(), &mut head, &mut err),
            err,
            SvmStatus::NullPointer,
        );
        let mut err = buffer();
        check(
            svm_db_head(0x1234 as *const SvmDb, &mut head, &mut err),
            err,
            SvmStatus::BadHandle,
        );
        let mut err = buffer();
        check(
            svm_db_head(vm as *const SvmDb, &mut head, &mut err),
            err,
            SvmStatus::BadHandle,
        );
        let mut err = buffer();
        check(
            svm_db_head(db, std::ptr::null_mut(), &mut err),
            err,
            SvmStatus::NullPointer,
        );
    }
    // A view with a length but no pointer, and one beyond the limit.
    let huge = SvmBytes {
        ptr: [0u8].as_ptr(),
        len: SVM_MAX_INPUT_BYTES + 1,
    };
    let dangling = SvmBytes {
        ptr: std::ptr::null(),
        len: 5,
    };
    for (bytes, want) in [
        (dangling, SvmStatus::NullPointer),
        (huge, SvmStatus::InvalidInput),
    ] {
        let (mut out, mut err) = (buffer(), buffer());
        // SAFETY: the view is refused before it is read.
        let s = unsafe { svm_vm_call(vm, bytes, block(1), &mut out, &mut err) };
        check(s, err, want);
    }
    // Garbage transactions, a deploy passed as a call, a bad format.
    let deploy = encode_tx(&deploy_tx(counter(), 0));
    for bytes in [&b"\x01\x02"[..], &deploy[..], &[0xc0][..]] {
        let (mut out, mut err) = (buffer(), buffer());
        // SAFETY: valid pointers.
        let s = unsafe { svm_vm_call(vm, view(bytes), block(1), &mut out, &mut err) };
        check(s, err, SvmStatus::InvalidInput);
    }
    let (mut out, mut err) = (buffer(), buffer());
    // SAFETY: valid pointers.
    let s =
        unsafe { svm_prove_variable(db, none(), view(&[0; 20]), 0, false, 7, &mut out, &mut err) };
    check(s, err, SvmStatus::InvalidInput);
    // Unknown roots and short roots.
    let (mut out, mut err) = (buffer(), buffer());
    // SAFETY: valid pointers.
    let s = unsafe { svm_db_variable(db, view(&[3; 32]), view(&[0; 20]), 0, &mut out, &mut err) };
    check(s, err, SvmStatus::NotFound);
    let (mut out, mut err) = (buffer(), buffer());
    // SAFETY: valid pointers.
    let s = unsafe { svm_db_variable(db, view(&[3; 31]), view(&[0; 20]), 0, &mut out, &mut err) };
    check(s, err, SvmStatus::InvalidInput);
    // A NULL error buffer is allowed: the status alone.
    let mut out = buffer();
    // SAFETY: valid pointers; NULL err by design.
    let s = unsafe { svm_vm_call(vm, view(b"x"), block(1), &mut out, std::ptr::null_mut()) };
    assert_eq!(s, SvmStatus::InvalidInput);

    // Freed and closed handles, twice.
    free_vm(vm);
    let mut err = buffer();
    // SAFETY: a freed handle, on purpose.
    check(
        unsafe { svm_vm_free(vm, &mut err) },
        err,
        SvmStatus::BadHandle,
    );
    let (mut out, mut err) = (buffer(), buffer());
    // SAFETY: a freed handle, on purpose.
    let s = unsafe { svm_vm_call(vm, view(&deploy), block(1), &mut out, &mut err) };
    check(s, err, SvmStatus::BadHandle);
    close_db(db);
    let mut err = buffer();
    // SAFETY: a closed handle, on purpose.
    check(
        unsafe { svm_db_close(db, &mut err) },
        err,
        SvmStatus::BadHandle,
    );

    // Buffers: freed twice, or never svm's.
    let mut out = buffer();
    let mut err = buffer();
    // SAFETY: valid pointers.
    let s = unsafe { svm_wat_to_wasm(view(b"(module)"), &mut out, &mut err) };
    status(s, err).expect("wat");
    let copy = SvmBuffer {
        ptr: out.ptr,
        len: out.len,
        cap: out.cap,
    };
    // SAFETY: svm's buffer.
    assert_eq!(unsafe { svm_buffer_free(&mut out) }, SvmStatus::Ok);
    assert!(out.ptr.is_null(), "freeing empties the buffer");
    let mut again = copy;
    // SAFETY: freed already: refused before it is touched.
    assert_eq!(unsafe { svm_buffer_free(&mut again) }, SvmStatus::BadHandle);
    let mut mine = vec![1u8, 2, 3];
    let mut foreign = SvmBuffer {
        ptr: mine.as_mut_ptr(),
        len: 3,
        cap: 3,
    };
    // SAFETY: not svm's: refused before it is touched.
    assert_eq!(
        unsafe { svm_buffer_free(&mut foreign) },
        SvmStatus::BadHandle
    );
    // SAFETY: NULL, on purpose.
    assert_eq!(
        unsafe { svm_buffer_free(std::ptr::null_mut()) },
        SvmStatus::NullPointer
    );
}

#[test]
fn threads_share_a_vm() {
    let db = memory_db();
    let vm = new_vm(db);
    let contract = run(vm, &deploy_tx(counter(), 0), 1)
        .expect("deploy")
        .contract;
    let (db_id, vm_id) = (db as usize, vm as usize);
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let contract = contract.clone();
            std::thread::spawn(move || {
                let (db, vm) = (db_id as *mut SvmDb, vm_id as *mut SvmVm);
                for i in 0..25 {
                    let call = call_tx(&contract, "increment", vec![Arg::I64(1)]);
                    let r = run(vm, &call, 2 + t * 100 + i).expect("call");
                    assert_eq!(r.status, 0, "{}", r.message);
                    // Reads run beside the writes.
                    let v = variable(db, &contract, 0);
                    assert!(u64::from_le_bytes(v.try_into().expect("8 bytes")) >= 1);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    assert_eq!(variable(db, &contract, 0), 100u64.to_le_bytes());
    let mut head = SvmHead::default();
    let mut err = buffer();
    // SAFETY: valid pointers.
    status(unsafe { svm_db_head(db, &mut head, &mut err) }, err).expect("head");
    assert_eq!(head.seq, 101, "one commit per call, none lost");
    free_vm(vm);
    close_db(db);
}

#[test]
fn closing_handles_under_running_calls_is_safe() {
    let db = memory_db();
    let vm = new_vm(db);
    let contract = run(vm, &deploy_tx(counter(), 0), 1)
        .expect("deploy")
        .contract;
    let vm_id = vm as usize;
    let (started_tx, started) = std::sync::mpsc::channel();
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let contract = contract.clone();
            let started_tx = started_tx.clone();
            std::thread::spawn(move || {
                let vm = vm_id as *mut SvmVm;
                let mut outcomes = Vec::new();
                for i in 0..200 {
                    if i == 2 {
                        started_tx.send(()).expect("main waits");
                    }
                    let call = call_tx(&contract, "increment", vec![Arg::I64(1)]);
                    outcomes.push(run(vm, &call, 2).map(|r| r.status));
                }
                outcomes
            })
        })
        .collect();
    for _ in 0..3 {
        started.recv().expect("a thread started");
    }
    // The database handle ends first (the VM keeps the database), then the
    // VM's while calls are running on it.
    close_db(db);
    free_vm(vm);
    let mut refused = 0;
    for t in threads {
        let outcomes = t.join().expect("no thread crashed");
        // Each thread's calls succeed until the VM handle ends, and are
        // refused as a bad handle after.
        let first_bad = outcomes
            .iter()
            .position(Result::is_err)
            .unwrap_or(outcomes.len());
        assert!(outcomes[..first_bad].iter().all(|o| *o == Ok(0)));
        assert!(
            outcomes[first_bad..]
                .iter()
                .all(|o| matches!(o, Err((SvmStatus::BadHandle, _)))),
            "{:?}",
            &outcomes[first_bad..]
        );
        refused += outcomes.len() - first_bad;
    }
    assert!(refused > 0, "every call finished before the handle ended");
}

/// An element path of one key step: RLP `[[1, key]]`.
fn key_path(key: &[u8]) -> Vec<u8> {
    let mut step = Vec::new();
    rlp::encode_uint(&mut step, &[1]);
    rlp::encode_bytes(&mut step, key);
    let mut steps = Vec::new();
    rlp::encode_list(&mut steps, &step);
    let mut path = Vec::new();
    rlp::encode_list(&mut path, &steps);
    path
}

#[test]
fn map_elements_are_read_and_proven() {
    let db = memory_db();
    let vm = new_vm(db);
    let mut deploy = deploy_tx(svm_tests::contract("map_token.wat"), 0);
    if let svm_vm::Tx::Deploy(d) = &mut deploy {
        d.constructor = Some(("init".to_string(), vec![]));
    }
    let token = run(vm, &deploy, 1).expect("deploy").contract;
    let holder = [0x42u8; 20];
    let r = run(
        vm,
        &call_tx(
            &token,
            "mint",
            vec![Arg::Bytes(holder.to_vec()), Arg::I64(42)],
        ),
        2,
    )
    .expect("mint");
    assert_eq!(r.status, 0, "{}", r.message);

    let (mut out, mut err) = (buffer(), buffer());
    let path = key_path(&holder);
    // SAFETY: valid pointers.
    let s = unsafe { svm_db_element(db, none(), view(&token), 2, view(&path), &mut out, &mut err) };
    status(s, err).expect("element");
    assert_eq!(take(out), 42u64.to_le_bytes());
    let absent = key_path(&[0x43; 20]);
    let (mut out, mut err) = (buffer(), buffer());
    // SAFETY: valid pointers.
    let s = unsafe {
        svm_db_element(
            db,
            none(),
            view(&token),
            2,
            view(&absent),
            &mut out,
            &mut err,
        )
    };
    assert_eq!(status(s, err).unwrap_err().0, SvmStatus::NotFound);

    let mut head = SvmHead::default();
    let mut err = buffer();
    // SAFETY: valid pointers.
    status(unsafe { svm_db_head(db, &mut head, &mut err) }, err).expect("head");
    for (path, present) in [(&path, true), (&absent, false)] {
        let (mut proof, mut err) = (buffer(), buffer());
        // SAFETY: valid pointers.
        let s = unsafe {
            svm_prove_element(
                db,
                none(),
                view(&token),
                2,
                view(path),
                true,
                SVM_FORMAT_JSON,
                &mut proof,
                &mut err,
            )
        };
        status(s, err).expect("prove element");
        let proof = take(proof);
        let (mut out, mut err) = (buffer(), buffer());
        // SAFETY: valid pointers.
        let s = unsafe {
            svm_verify_proof(
                view(&proof),
                view(&head.root.bytes),
                none(),
                &mut out,
                &mut err,
            )
        };
        status(s, err).expect("verify element");
        let proven: serde_json::Value = serde_json::from_slice(&take(out)).expect("JSON");
        assert_eq!(proven["kind"], "element");
        assert_eq!(proven["value"].is_null(), !present, "{proven}");
    }
    free_vm(vm);
    close_db(db);
}
