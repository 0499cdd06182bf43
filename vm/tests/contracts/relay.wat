;; A test contract for contract calls. Variable 0 counts the calls of
;; `relay`/`relay_then_fail` that reached it (u64, little-endian).
;;
;; `relay(msg)` adds one to the count, emits an event (topic "relay", the
;; new count as data, kept 10 blocks), then makes the call `msg` describes
;; and returns the call's status (i32 LE) followed by the callee's return
;; data (when it fits in 4 KiB). A message is:
;;   [0, 20)   the callee's address
;;   [20, 28)  the gas to give it (i64, little-endian)
;;   [28, 60)  the value to send (32 bytes, big-endian)
;;   [60, 64)  the function name's length n (u32, little-endian)
;;   [64, 64+n) the function name
;;   [64+n, ..) the encoded arguments
;; `relay_lib(msg)` makes a library call instead, of a message
;;   [0, 32) the template's code hash, [32, 40) the gas, [40, 44) n,
;;   [44, 44+n) the name, then the arguments.
;;
;; `relay_then_fail(msg)` does the same, then traps. `relay_n(msg, n)`
;; makes the call `n` times (no count, no event) and returns the last. `spin` loops forever;
;; `trap` traps; `bomb` grows its memory to the maximum and writes to every
;; page (16 MiB); `echo(bytes)` returns its argument; `bad_return` returns a range
;; outside its memory; `count` returns the count; `big_return` returns 8 KiB
;; of 0x5a; `whoami` returns its address, its caller and the value (20 +
;; 20 + 32 bytes).
(module
  (import "svm" "storage_read" (func $read (param i32 i32 i32)))
  (import "svm" "storage_write" (func $write (param i32 i32 i32)))
  (import "svm" "set_return" (func $return (param i32 i32)))
  (import "svm" "emit" (func $emit (param i32 i32 i32 i32 i64)))
  (import "svm" "call" (func $call (param i32 i32 i32 i32 i32 i32 i64) (result i32)))
  (import "svm" "delegate_call" (func $delegate (param i32 i32 i32 i32 i32 i64) (result i32)))
  (import "svm" "returned" (func $returned (param i32 i32) (result i32)))
  (import "svm" "address" (func $address (param i32)))
  (import "svm" "caller" (func $caller (param i32)))
  (import "svm" "value" (func $value (param i32)))
  (memory (export "memory") 2 256)
  ;; layout: page size 4096; the count (8 bytes)
  (@custom "svm-layout" "\80\20\01\08")
  ;; memory: 0..8 the count, 32..64 the topic, 4096..8196 the result,
  ;; 16384.. the byte argument
  (data (i32.const 32) "relay")
  (func (export "svm_alloc") (param $len i32) (result i32)
    (if (i32.gt_u (local.get $len) (i32.const 100000)) (then unreachable))
    (i32.const 16384))
  (func $bump
    (call $read (i32.const 0) (i32.const 0) (i32.const 8))
    (i64.store (i32.const 0) (i64.add (i64.load (i32.const 0)) (i64.const 1)))
    (call $write (i32.const 0) (i32.const 0) (i32.const 8))
    (call $emit (i32.const 32) (i32.const 1) (i32.const 0) (i32.const 8) (i64.const 10)))
  ;; Returns `status` followed by the last call's return data (when it fits
  ;; in 4 KiB).
  (func $result (param $status i32)
    (local $got i32)
    (i32.store (i32.const 4096) (local.get $status))
    (local.set $got (call $returned (i32.const 4100) (i32.const 4096)))
    (if (i32.gt_u (local.get $got) (i32.const 4096)) (then (local.set $got (i32.const 0))))
    (call $return (i32.const 4096) (i32.add (i32.const 4) (local.get $got))))
  (func $forward (param $m i32) (param $len i32)
    (local $n i32)
    (local.set $n (i32.load (i32.add (local.get $m) (i32.const 60))))
    (call $result
      (call $call
        (local.get $m)
        (i32.add (local.get $m) (i32.const 64)) (local.get $n)
        (i32.add (local.get $m) (i32.add (i32.const 64) (local.get $n)))
        (i32.sub (local.get $len) (i32.add (i32.const 64) (local.get $n)))
        (i32.add (local.get $m) (i32.const 28))
        (i64.load (i32.add (local.get $m) (i32.const 20))))))
  (func $forward_lib (param $m i32) (param $len i32)
    (local $n i32)
    (local.set $n (i32.load (i32.add (local.get $m) (i32.const 40))))
    (call $result
      (call $delegate
        (local.get $m)
        (i32.add (local.get $m) (i32.const 44)) (local.get $n)
        (i32.add (local.get $m) (i32.add (i32.const 44) (local.get $n)))
        (i32.sub (local.get $len) (i32.add (i32.const 44) (local.get $n)))
        (i64.load (i32.add (local.get $m) (i32.const 32))))))
  (func (export "relay_lib") (param $m i32) (param $len i32)
    (call $bump)
    (call $forward_lib (local.get $m) (local.get $len)))
  (func (export "relay") (param $m i32) (param $len i32)
    (call $bump)
    (call $forward (local.get $m) (local.get $len)))
  ;; Forwards `msg` `n` times (no count, no event); returns the last status.
  (func (export "relay_n") (param $m i32) (param $len i32) (param $n i32)
    (loop $again
      (call $forward (local.get $m) (local.get $len))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $again (i32.gt_s (local.get $n) (i32.const 0)))))
  (func (export "relay_then_fail") (param $m i32) (param $len i32)
    (call $bump)
    (call $forward (local.get $m) (local.get $len))
    unreachable)
  (func (export "spin") (loop $l (br $l)))
  (func (export "trap") unreachable)
  (func (export "bomb")
    (local $p i32)
    (drop (memory.grow (i32.const 254)))
    (loop $touch
      (i32.store (local.get $p) (i32.const 1))
      (local.set $p (i32.add (local.get $p) (i32.const 4096)))
      (br_if $touch (i32.lt_u (local.get $p) (i32.const 16777216)))))
  (func (export "echo") (param $p i32) (param $len i32)
    (call $return (local.get $p) (local.get $len)))
  (func (export "bad_return") (call $return (i32.const 1048000) (i32.const 100000)))
  (func (export "whoami")
    (call $address (i32.const 8192))
    (call $caller (i32.const 8212))
    (call $value (i32.const 8232))
    (call $return (i32.const 8192) (i32.const 72)))
  (func (export "count")
    (call $read (i32.const 0) (i32.const 0) (i32.const 8))
    (call $return (i32.const 0) (i32.const 8)))
  (func (export "big_return")
    (local $p i32)
    (loop $fill
      (i32.store8 (i32.add (i32.const 20000) (local.get $p)) (i32.const 0x5a))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $p) (i32.const 8192))))
    (call $return (i32.const 20000) (i32.const 8192)))
)
