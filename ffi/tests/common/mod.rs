//! Calling the C API from Rust the way a C host would.

#![allow(dead_code, unreachable_pub)]

use primitive_types::U256;
use svm_ffi::*;
use svm_format::rlp;
use svm_state::Address;
use svm_vm::{Arg, Call, Deploy, Tx};

/// A view of `b`.
pub fn view(b: &[u8]) -> SvmBytes {
    SvmBytes {
        ptr: if b.is_empty() {
            std::ptr::null()
        } else {
            b.as_ptr()
        },
        len: b.len(),
    }
}

/// The empty view.
pub fn none() -> SvmBytes {
    view(&[])
}

/// An output buffer before a call.
pub fn buffer() -> SvmBuffer {
    SvmBuffer {
        ptr: std::ptr::null_mut(),
        len: 0,
        cap: 0,
    }
}

/// Copies a buffer out and frees it.
pub fn take(mut b: SvmBuffer) -> Vec<u8> {
    let out = if b.ptr.is_null() {
        Vec::new()
    } else {
        // SAFETY: a buffer svm handed out.
        unsafe { std::slice::from_raw_parts(b.ptr, b.len) }.to_vec()
    };
    // SAFETY: a buffer svm handed out, freed once.
    assert_eq!(unsafe { svm_buffer_free(&mut b) }, SvmStatus::Ok);
    out
}

/// A call's status and error message (freed).
pub fn status(s: SvmStatus, err: SvmBuffer) -> Result<(), (SvmStatus, String)> {
    let message = String::from_utf8(take(err)).expect("UTF-8 message");
    if s == SvmStatus::Ok {
        assert!(message.is_empty(), "success with a message: {message}");
        Ok(())
    } else {
        assert!(!message.is_empty(), "{s:?} without a message");
        Err((s, message))
    }
}

/// Opens an in-memory database.
pub fn memory_db() -> *mut SvmDb {
    let mut db = std::ptr::null_mut();
    let mut err = buffer();
    // SAFETY: valid pointers.
    let s = unsafe { svm_db_open_memory(none(), &mut db, &mut err) };
    status(s, err).expect("open");
    db
}

/// A VM over `db`.
pub fn new_vm(db: *mut SvmDb) -> *mut SvmVm {
    let mut vm = std::ptr::null_mut();
    let mut err = buffer();
    // SAFETY: valid pointers.
    let s = unsafe { svm_vm_new(db, none(), &mut vm, &mut err) };
    status(s, err).expect("vm");
    vm
}

/// Closes a database.
pub fn close_db(db: *mut SvmDb) {
    let mut err = buffer();
    // SAFETY: valid pointers.
    status(unsafe { svm_db_close(db, &mut err) }, err).expect("close");
}

/// Frees a VM.
pub fn free_vm(vm: *mut SvmVm) {
    let mut err = buffer();
    // SAFETY: valid pointers.
    status(unsafe { svm_vm_free(vm, &mut err) }, err).expect("free");
}

/// The block context of height `h`.
pub fn block(h: u64) -> SvmBlock {
    SvmBlock { height: h, time: 0 }
}

/// A receipt in the C API form, decoded.
#[derive(Debug)]
pub struct Receipt {
    pub status: u8,
    pub gas_used: u64,
    pub contract: Vec<u8>,
    pub return_data: Vec<u8>,
    pub events: Vec<svm_vm::Event>,
    pub message: String,
    pub state_root: Vec<u8>,
    pub world_root: Vec<u8>,
}

fn uint(item: rlp::Item<'_>) -> u64 {
    rlp::uint(item, 8)
        .expect("uint")
        .iter()
        .fold(0, |n, b| (n << 8) | u64::from(*b))
}

/// Decodes one receipt item.
pub fn receipt_item(item: rlp::Item<'_>) -> Receipt {
    let f = rlp::items(item).expect("receipt list");
    assert_eq!(f.len(), 8);
    Receipt {
        status: uint(f[0]) as u8,
        gas_used: uint(f[1]),
        contract: f[2].payload.to_vec(),
        return_data: f[3].payload.to_vec(),
        events: rlp::items(f[4])
            .expect("events")
            .into_iter()
            .map(|e| svm_vm::Event::decode_item(e).expect("an event"))
            .collect(),
        message: String::from_utf8(f[5].payload.to_vec()).expect("UTF-8"),
        state_root: f[6].payload.to_vec(),
        world_root: f[7].payload.to_vec(),
    }
}

/// Decodes a receipt.
pub fn receipt(bytes: &[u8]) -> Receipt {
    receipt_item(rlp::one(bytes).expect("one item"))
}

/// Runs a transaction through the C API (a deploy or call through its own
/// entry point, the others through `svm_vm_execute`).
pub fn run(vm: *mut SvmVm, tx: &Tx, height: u64) -> Result<Receipt, (SvmStatus, String)> {
    let bytes = svm_ffi::encode_tx(tx);
    let (mut out, mut err) = (buffer(), buffer());
    // SAFETY: valid pointers.
    let s = unsafe {
        match tx {
            Tx::Deploy(_) => svm_vm_deploy(vm, view(&bytes), block(height), &mut out, &mut err),
            Tx::Call(_) => svm_vm_call(vm, view(&bytes), block(height), &mut out, &mut err),
            _ => svm_vm_execute(vm, view(&bytes), block(height), &mut out, &mut err),
        }
    };
    status(s, err)?;
    Ok(receipt(&take(out)))
}

/// The author every test deploys as.
pub fn author() -> Address {
    Address::from_low_u64_be(0xa0001)
}

/// A deploy of `code` by [`author`] with nonce `nonce`.
pub fn deploy_tx(code: Vec<u8>, nonce: u64) -> Tx {
    Tx::Deploy(Deploy {
        author: author(),
        nonce,
        code,
        balance: U256::zero(),
        constructor: None,
        gas_limit: 10_000_000,
    })
}

/// A call of `function` with `args`.
pub fn call_tx(contract: &[u8], function: &str, args: Vec<Arg>) -> Tx {
    Tx::Call(Call {
        contract: Address::from_slice(contract),
        sender: author(),
        function: function.to_string(),
        args,
        gas_limit: 1_000_000,
        value: U256::zero(),
    })
}

/// Reads variable `index` of `contract` at the head.
pub fn variable(db: *mut SvmDb, contract: &[u8], index: u32) -> Vec<u8> {
    let (mut out, mut err) = (buffer(), buffer());
    // SAFETY: valid pointers.
    let s = unsafe { svm_db_variable(db, none(), view(contract), index, &mut out, &mut err) };
    status(s, err).expect("variable");
    take(out)
}
