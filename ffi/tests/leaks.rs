//! Nothing leaks through the C API: after many calls of every kind, the
//! handles and buffers svm holds for its caller are back where they began.
//! (One test per process: the counts are global.)

mod common;

use common::*;
use svm_ffi::*;
use svm_vm::Arg;

#[test]
fn every_handle_and_buffer_is_given_back() {
    let start = svm_live();
    let db = memory_db();
    let vm = new_vm(db);
    let contract = run(vm, &deploy_tx(svm_tests::contract("counter.wat"), 0), 1)
        .expect("deploy")
        .contract;
    for i in 0..200 {
        let r = run(
            vm,
            &call_tx(&contract, "increment", vec![Arg::I64(1)]),
            2 + i,
        )
        .expect("call");
        assert_eq!(r.status, 0);
        variable(db, &contract, 0);
        // Failures hand out only their message, which `status` frees.
        let (mut out, mut err) = (buffer(), buffer());
        // SAFETY: valid pointers.
        let s = unsafe { svm_vm_call(vm, view(b"junk"), block(1), &mut out, &mut err) };
        assert!(status(s, err).is_err());
        assert!(out.ptr.is_null());
    }
    let during = svm_live();
    assert_eq!(during.handles, start.handles + 2);
    assert_eq!(during.buffers, start.buffers, "every buffer was freed");
    free_vm(vm);
    close_db(db);
    assert_eq!(svm_live(), start);
}
