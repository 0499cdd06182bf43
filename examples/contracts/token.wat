;; A token: variable 0 is the total supply (a u64, little-endian); balances
;; are u64s (little-endian) packed four to a 32-byte variable, holder h's at
;; byte 8 * (h % 4) of variable 1 + h / 4. The layout alone decides how many
;; holders there are (16 here): a holder beyond it traps in storage_read.
(module
  (import "svm" "storage_read" (func $read (param i32 i32 i32)))
  (import "svm" "storage_write" (func $write (param i32 i32 i32)))
  (import "svm" "set_return" (func $return (param i32 i32)))
  (import "svm" "log" (func $log (param i32 i32)))
  (memory (export "memory") 1 1)
  ;; layout: page size 4096, the supply (8 bytes), 4 variables of 32 bytes
  (@custom "svm-layout" "\80\20\05\08\20\20\20\20")
  ;; memory: 0..8 the supply, 32..64 a variable of four balances, 64..72 a log
  (func $supply (result i64)
    (call $read (i32.const 0) (i32.const 0) (i32.const 8))
    (i64.load (i32.const 0)))
  (func $set_supply (param $v i64)
    (i64.store (i32.const 0) (local.get $v))
    (call $write (i32.const 0) (i32.const 0) (i32.const 8)))
  ;; Reads holder h's variable into memory 32..64; returns the address of h's
  ;; balance in it.
  (func $load (param $h i32) (result i32)
    (if (i32.lt_s (local.get $h) (i32.const 0)) (then unreachable))
    (call $read (i32.add (i32.shr_u (local.get $h) (i32.const 2)) (i32.const 1))
      (i32.const 32) (i32.const 32))
    (i32.add (i32.const 32) (i32.shl (i32.and (local.get $h) (i32.const 3)) (i32.const 3))))
  (func $get (param $h i32) (result i64)
    (i64.load (call $load (local.get $h))))
  (func $set (param $h i32) (param $v i64)
    (i64.store (call $load (local.get $h)) (local.get $v))
    (call $write (i32.add (i32.shr_u (local.get $h) (i32.const 2)) (i32.const 1))
      (i32.const 32) (i32.const 32)))
  (func (export "mint") (param $to i32) (param $amount i64)
    (call $set (local.get $to) (i64.add (call $get (local.get $to)) (local.get $amount)))
    (call $set_supply (i64.add (call $supply) (local.get $amount))))
  (func (export "transfer") (param $from i32) (param $to i32) (param $amount i64)
    (local $balance i64)
    (local.set $balance (call $get (local.get $from)))
    (if (i64.lt_u (local.get $balance) (local.get $amount)) (then unreachable))
    (call $set (local.get $from) (i64.sub (local.get $balance) (local.get $amount)))
    (call $set (local.get $to) (i64.add (call $get (local.get $to)) (local.get $amount)))
    (i64.store (i32.const 64) (local.get $amount))
    (call $log (i32.const 64) (i32.const 8)))
  (func (export "balance_of") (param $h i32)
    (call $return (call $load (local.get $h)) (i32.const 8)))
  (func (export "total_supply")
    (drop (call $supply))
    (call $return (i32.const 0) (i32.const 8)))
)
