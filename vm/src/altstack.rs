//! A thread's alternate signal stack after contract code ran on it.
//!
//! wasmer gives every thread that runs contract code its own alternate
//! signal stack (replacing a smaller one, such as a Go runtime's), and when
//! the thread's locals are destroyed it unmaps that stack without
//! unregistering it (wasmer-vm 7.4, `traphandlers.rs`, `Tls::drop`). A
//! signal delivered to the thread afterwards finds no stack and the kernel
//! kills the process. That happens on the main thread of a host that exits
//! through libc's `exit` while signals still arrive: `exit` destroys the
//! main thread's locals, then runs the other exit handlers (RocksDB's joins
//! its threads), and a Go program under the race detector exits this way
//! while its runtime keeps signalling threads.
//!
//! [`ensure`] registers, before wasmer's, a local whose destructor runs
//! after wasmer's and puts back the stack the thread had before (or none).

#[cfg(unix)]
mod imp {
    use std::ptr;

    /// The alternate signal stack the thread had before contract code ran.
    struct Guard {
        before: libc::stack_t,
    }

    impl Guard {
        fn capture() -> Self {
            // SAFETY: sigaltstack with a NULL new stack only reads the
            // current one into `before`.
            let mut before: libc::stack_t = unsafe { std::mem::zeroed() };
            // SAFETY: as above.
            if unsafe { libc::sigaltstack(ptr::null(), &mut before) } != 0 {
                before.ss_flags = libc::SS_DISABLE;
            }
            Guard { before }
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            // SAFETY: reading the current stack, then installing either
            // the one the thread had before (still its owner's: this runs
            // while the thread lives) or none.
            unsafe {
                let mut now: libc::stack_t = std::mem::zeroed();
                if libc::sigaltstack(ptr::null(), &mut now) != 0 {
                    return;
                }
                let enabled = now.ss_flags & libc::SS_DISABLE == 0;
                if !enabled || now.ss_sp == self.before.ss_sp {
                    return;
                }
                if self.before.ss_flags & libc::SS_DISABLE == 0 {
                    libc::sigaltstack(&self.before, ptr::null_mut());
                } else {
                    let off = libc::stack_t {
                        ss_sp: ptr::null_mut(),
                        ss_flags: libc::SS_DISABLE,
                        ss_size: 0,
                    };
                    libc::sigaltstack(&off, ptr::null_mut());
                }
            }
        }
    }

    thread_local! {
        static GUARD: Guard = Guard::capture();
    }

    /// Registers the guard on this thread (once), before contract code runs.
    pub(crate) fn ensure() {
        GUARD.with(|_| {});
    }
}

#[cfg(not(unix))]
mod imp {
    /// Nothing to guard.
    pub(crate) fn ensure() {}
}

pub(crate) use imp::ensure;
