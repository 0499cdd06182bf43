//! A thread that ran contract code leaves no dangling alternate signal
//! stack behind when its locals are destroyed (as the main thread's are in
//! `exit`, before the other exit handlers run): the stack it had before is
//! back, or there is none. Without the guard, wasmer's unmapped stack
//! stays registered and the next signal kills the process.

mod common;

use std::sync::mpsc;

use common::*;
use svm_vm::Arg;

/// Reports the thread's alternate signal stack when its locals are
/// destroyed. Created first on the thread, so destroyed last.
struct Probe {
    before: libc::stack_t,
    report: mpsc::Sender<Result<(), String>>,
}

fn current() -> libc::stack_t {
    // SAFETY: reads the current stack only.
    let mut st: libc::stack_t = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    assert_eq!(unsafe { libc::sigaltstack(std::ptr::null(), &mut st) }, 0);
    st
}

impl Drop for Probe {
    fn drop(&mut self) {
        let now = current();
        let disabled = now.ss_flags & libc::SS_DISABLE != 0;
        let verdict = if disabled || now.ss_sp == self.before.ss_sp {
            Ok(())
        } else {
            Err(format!(
                "a stack at {:p} is still registered (before: {:p})",
                now.ss_sp, self.before.ss_sp
            ))
        };
        let _ = self.report.send(verdict);
    }
}

thread_local! {
    static PROBE: std::cell::RefCell<Option<Probe>> = const { std::cell::RefCell::new(None) };
}

/// The contract run of the test, on a thread created by `pthread_create`
/// as a C or Go host creates its threads (a thread Rust's std spawns sets
/// up and takes down a signal stack of its own, which hides the problem).
extern "C" fn foreign_thread(arg: *mut libc::c_void) -> *mut libc::c_void {
    // SAFETY: `arg` is the Box the test leaked for this thread.
    let tx = unsafe { Box::from_raw(arg.cast::<mpsc::Sender<Result<(), String>>>()) };
    PROBE.with(|p| {
        *p.borrow_mut() = Some(Probe {
            before: current(),
            report: (*tx).clone(),
        })
    });
    let outcome = std::panic::catch_unwind(|| {
        let vm = vm();
        let counter = deploy(&vm, contract("counter.wat")).contract;
        let r = call(&vm, counter, "increment", vec![Arg::I64(1)], 1_000_000);
        assert!(r.success, "{r:?}");
        // Contract code ran: wasmer's stack is the thread's now.
        assert_eq!(current().ss_flags & libc::SS_DISABLE, 0, "no stack");
    });
    if outcome.is_err() {
        let _ = tx.send(Err("the contract run failed".into()));
    }
    std::ptr::null_mut()
}

#[test]
fn no_dangling_signal_stack_after_contract_code_ran_on_a_thread() {
    let (tx, rx) = mpsc::channel::<Result<(), String>>();
    let arg = Box::into_raw(Box::new(tx)).cast::<libc::c_void>();
    // SAFETY: a thread with default attributes, joined below.
    unsafe {
        let mut thread: libc::pthread_t = std::mem::zeroed();
        // 64 MiB of stack, as the VM's callers need.
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        assert_eq!(libc::pthread_attr_init(&mut attr), 0);
        assert_eq!(libc::pthread_attr_setstacksize(&mut attr, 64 << 20), 0);
        assert_eq!(
            libc::pthread_create(&mut thread, &attr, foreign_thread, arg),
            0
        );
        assert_eq!(libc::pthread_join(thread, std::ptr::null_mut()), 0);
    }
    rx.recv()
        .expect("the probe reported")
        .expect("no dangling stack");
}
