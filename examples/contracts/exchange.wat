;; An exchange that sells a map token (map_token.wat) for value at a fixed
;; price, calling the token to move tokens it holds. Variable 0 is the
;; token's address, 1 the price per token (u64, little-endian), 2 the
;; tokens sold (u64, little-endian).
;;
;; - `init(token, price)`: the constructor.
;; - `buy(amount)`: the value sent must be amount × price; the exchange
;;   calls the token's `transfer(buyer, amount)` and fails with it if the
;;   token refuses (the value goes back with the failed transaction).
;; - `try_buy(amount)`: the same, but when the token refuses, the exchange
;;   goes on: it sends the value back and returns the token's failure code
;;   (an i32, little-endian) instead of failing.
;; - `sold()`: tokens sold so far.
;; A sale emits an event with topics "svm.exchange.Bought" and the buyer
;; (left-padded to 32 bytes), the amount as data, kept 1,000 blocks.
(module
  (import "svm" "storage_read" (func $read (param i32 i32 i32)))
  (import "svm" "storage_write" (func $write (param i32 i32 i32)))
  (import "svm" "caller" (func $caller (param i32)))
  (import "svm" "value" (func $value (param i32)))
  (import "svm" "transfer" (func $transfer (param i32 i32) (result i32)))
  (import "svm" "set_return" (func $return (param i32 i32)))
  (import "svm" "emit" (func $emit (param i32 i32 i32 i32 i64)))
  (import "svm" "call" (func $call (param i32 i32 i32 i32 i32 i32 i64) (result i32)))
  (memory (export "memory") 1 1)
  ;; layout: page size 4096; token (20 bytes), price (8), sold (8)
  (@custom "svm-layout" "\80\20\03\14\08\08")
  ;; memory: 0..20 the buyer, 32..64 the value, 64..84 the token,
  ;; 96..104 the price, 104..112 sold, 128..192 the event's topics,
  ;; 192..200 its data, 257..292 the call's arguments, 320..328 "transfer",
  ;; 336..340 a status, 448..480 zero (the call's value), 1024.. the byte
  ;; argument
  (data (i32.const 128) "svm.exchange.Bought\00\00\00\00\00\00\00\00\00\00\00\00\00")
  (data (i32.const 320) "transfer")
  (func (export "svm_alloc") (param $len i32) (result i32)
    (if (i32.gt_u (local.get $len) (i32.const 60000)) (then unreachable))
    (i32.const 1024))
  (func (export "init") (param $token i32) (param $token_len i32) (param $price i64)
    (if (i32.ne (local.get $token_len) (i32.const 20)) (then unreachable))
    (call $write (i32.const 0) (local.get $token) (i32.const 20))
    (i64.store (i32.const 96) (local.get $price))
    (call $write (i32.const 1) (i32.const 96) (i32.const 8)))
  ;; Writes the RLP encoding of $v (a minimal big-endian integer) at $out;
  ;; returns its length.
  (func $rlp_u64 (param $out i32) (param $v i64) (result i32)
    (local $n i32) (local $i i32)
    (if (i64.eqz (local.get $v))
      (then (i32.store8 (local.get $out) (i32.const 0x80)) (return (i32.const 1))))
    (if (i64.lt_u (local.get $v) (i64.const 0x80))
      (then (i64.store8 (local.get $out) (local.get $v)) (return (i32.const 1))))
    (local.set $n
      (i32.sub (i32.const 8) (i32.wrap_i64 (i64.div_u (i64.clz (local.get $v)) (i64.const 8)))))
    (i32.store8 (local.get $out) (i32.add (i32.const 0x80) (local.get $n)))
    (loop $byte
      (i64.store8
        (i32.add (local.get $out) (i32.sub (local.get $n) (local.get $i)))
        (i64.shr_u (local.get $v) (i64.extend_i32_u (i32.mul (local.get $i) (i32.const 8)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $byte (i32.lt_u (local.get $i) (local.get $n))))
    (i32.add (local.get $n) (i32.const 1)))
  ;; Checks the value sent is $amount × price; reads the buyer and token.
  (func $expect_payment (param $amount i64)
    (local $cost i64)
    (call $read (i32.const 1) (i32.const 96) (i32.const 8))
    (local.set $cost (i64.mul (local.get $amount) (i64.load (i32.const 96))))
    ;; amount × price must not overflow (a free token has nothing to check)
    (if (i64.ne (i64.load (i32.const 96)) (i64.const 0))
      (then
        (if (i64.ne (i64.div_u (local.get $cost) (i64.load (i32.const 96))) (local.get $amount))
          (then unreachable))))
    (call $value (i32.const 32))
    ;; the value is 32 bytes big-endian: the first 24 must be zero
    (if (i32.or
          (i32.or (i64.ne (i64.load (i32.const 32)) (i64.const 0))
                  (i64.ne (i64.load (i32.const 40)) (i64.const 0)))
          (i64.ne (i64.load (i32.const 48)) (i64.const 0)))
      (then unreachable))
    ;; the last 8 are $cost big-endian (a little-endian load swaps them)
    (if (i64.ne (i64.load (i32.const 56)) (call $bswap (local.get $cost)))
      (then unreachable))
    (call $caller (i32.const 0))
    (call $read (i32.const 0) (i32.const 64) (i32.const 20)))
  ;; Copies 20 bytes (an address) from $src to $dst.
  (func $copy20 (param $dst i32) (param $src i32)
    (i64.store (local.get $dst) (i64.load (local.get $src)))
    (i64.store offset=8 (local.get $dst) (i64.load offset=8 (local.get $src)))
    (i32.store offset=16 (local.get $dst) (i32.load offset=16 (local.get $src))))
  (func $bswap (param $v i64) (result i64)
    (local $r i64) (local $i i32)
    (loop $b
      (local.set $r (i64.or (i64.shl (local.get $r) (i64.const 8))
                            (i64.and (local.get $v) (i64.const 0xff))))
      (local.set $v (i64.shr_u (local.get $v) (i64.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $b (i32.lt_u (local.get $i) (i32.const 8))))
    (local.get $r))
  ;; Calls the token's transfer(buyer, $amount), sending no value (448..480
  ;; stays zero), with all the gas it may have; returns the status.
  (func $send_tokens (param $amount i64) (result i32)
    (local $n i32)
    ;; The arguments [[2, buyer], [1, amount]] at 257: the list's header,
    ;; then [2, buyer] (23 bytes), then [1, amount] (2 + n bytes).
    (i32.store8 (i32.const 258) (i32.const 0xd6))
    (i32.store8 (i32.const 259) (i32.const 0x02))
    (i32.store8 (i32.const 260) (i32.const 0x94))
    (call $copy20 (i32.const 261) (i32.const 0))
    (i32.store8 (i32.const 282) (i32.const 0x01))
    (local.set $n (call $rlp_u64 (i32.const 283) (local.get $amount)))
    (i32.store8 (i32.const 281) (i32.add (i32.const 0xc1) (local.get $n)))
    (i32.store8 (i32.const 257) (i32.add (i32.const 0xd9) (local.get $n)))
    (call $call (i32.const 64) (i32.const 320) (i32.const 8)
                (i32.const 257) (i32.add (i32.const 26) (local.get $n))
                (i32.const 448) (i64.const 0x7fffffffffffffff)))
  (func $record_sale (param $amount i64)
    (call $read (i32.const 2) (i32.const 104) (i32.const 8))
    (i64.store (i32.const 104) (i64.add (i64.load (i32.const 104)) (local.get $amount)))
    (call $write (i32.const 2) (i32.const 104) (i32.const 8))
    ;; topics: the name, and the buyer left-padded to 32 bytes
    (i64.store (i32.const 160) (i64.const 0))
    (i32.store (i32.const 168) (i32.const 0))
    (call $copy20 (i32.const 172) (i32.const 0))
    (i64.store (i32.const 192) (local.get $amount))
    (call $emit (i32.const 128) (i32.const 2) (i32.const 192) (i32.const 8) (i64.const 1000)))
  (func (export "buy") (param $amount i64)
    (call $expect_payment (local.get $amount))
    (if (call $send_tokens (local.get $amount)) (then unreachable))
    (call $record_sale (local.get $amount)))
  (func (export "try_buy") (param $amount i64)
    (local $status i32)
    (call $expect_payment (local.get $amount))
    (local.set $status (call $send_tokens (local.get $amount)))
    (if (local.get $status)
      (then
        ;; give the value back and report the token's code
        (if (call $transfer (i32.const 0) (i32.const 32)) (then unreachable)))
      (else (call $record_sale (local.get $amount))))
    (i32.store (i32.const 336) (local.get $status))
    (call $return (i32.const 336) (i32.const 4)))
  (func (export "sold")
    (call $read (i32.const 2) (i32.const 104) (i32.const 8))
    (call $return (i32.const 104) (i32.const 8)))
)
