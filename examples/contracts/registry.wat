;; A name registry on a sorted set: variable 0 holds the registered names
;; (members of at most 64 bytes, kept in byte order), variable 1 maps each
;; name to its owner's 20-byte address. Names can be listed in order from
;; any prefix, a page at a time.
(module
  (import "svm" "caller" (func $caller (param i32)))
  (import "svm" "set_return" (func $return (param i32 i32)))
  (import "svm" "struct_open" (func $open (param i32) (result i32)))
  (import "svm" "struct_len" (func $len (param i32) (result i64)))
  (import "svm" "struct_remove" (func $remove (param i32 i32 i32) (result i32)))
  (import "svm" "set_insert" (func $insert (param i32 i32 i32) (result i32)))
  (import "svm" "map_get" (func $get (param i32 i32 i32 i32 i32) (result i64)))
  (import "svm" "map_set" (func $set (param i32 i32 i32 i32 i32)))
  (import "svm" "sorted_next" (func $next (param i32 i32 i32 i32 i32) (result i64)))
  (import "svm" "sorted_prev" (func $prev (param i32 i32 i32 i32 i32) (result i64)))
  (memory (export "memory") 2 2)
  ;; layout: page size 4096; names: sorted set; owners: map<bytes, bytes>
  (@custom "svm-layout" "\80\20\02\00\04\00\02\00")
  ;; memory: 0..20 the caller, 32..52 an owner, 1024..2048 the byte argument,
  ;; 2048..2113 a bound, 4096.. a listing
  (func (export "svm_alloc") (param $len i32) (result i32)
    (if (i32.gt_u (local.get $len) (i32.const 1024)) (then unreachable))
    (i32.const 1024))
  (func $copy (param $to i32) (param $from i32) (param $n i32)
    (block $done
      (loop $byte
        (br_if $done (i32.eqz (local.get $n)))
        (i32.store8 (local.get $to) (i32.load8_u (local.get $from)))
        (local.set $to (i32.add (local.get $to) (i32.const 1)))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $byte))))
  ;; 1 if the 20 bytes at $a and $b are equal
  (func $same (param $a i32) (param $b i32) (result i32)
    (i32.and
      (i32.and
        (i64.eq (i64.load (local.get $a)) (i64.load (local.get $b)))
        (i64.eq (i64.load offset=8 (local.get $a)) (i64.load offset=8 (local.get $b))))
      (i32.eq (i32.load offset=16 (local.get $a)) (i32.load offset=16 (local.get $b)))))
  ;; Registers a name to the caller; traps if it is taken.
  (func (export "register") (param $name i32) (param $len i32)
    (if (i32.eqz (call $insert (call $open (i32.const 0)) (local.get $name) (local.get $len)))
      (then unreachable))
    (call $caller (i32.const 0))
    (call $set (call $open (i32.const 1)) (local.get $name) (local.get $len) (i32.const 0) (i32.const 20)))
  ;; Gives a name up; only its owner may.
  (func (export "release") (param $name i32) (param $len i32)
    (local $owners i32)
    (local.set $owners (call $open (i32.const 1)))
    (if (i64.ne (call $get (local.get $owners) (local.get $name) (local.get $len) (i32.const 32) (i32.const 20))
                (i64.const 20))
      (then unreachable))
    (call $caller (i32.const 0))
    (if (i32.eqz (call $same (i32.const 0) (i32.const 32))) (then unreachable))
    (drop (call $remove (call $open (i32.const 0)) (local.get $name) (local.get $len)))
    (drop (call $remove (local.get $owners) (local.get $name) (local.get $len))))
  ;; The owner's address, or nothing for a free name.
  (func (export "owner_of") (param $name i32) (param $len i32)
    (if (i64.eq (call $get (call $open (i32.const 1)) (local.get $name) (local.get $len) (i32.const 32) (i32.const 20))
                (i64.const 20))
      (then (call $return (i32.const 32) (i32.const 20)))))
  (func (export "count")
    (i64.store (i32.const 32) (call $len (call $open (i32.const 0))))
    (call $return (i32.const 32) (i32.const 8)))
  ;; Up to $count names (at most 1,000) from $from on, in order, each as a
  ;; length byte and the name.
  (func (export "names") (param $from i32) (param $from_len i32) (param $count i32)
    (local $h i32) (local $pos i32) (local $n i64) (local $blen i32)
    (if (i32.gt_u (local.get $count) (i32.const 1000)) (then unreachable))
    (if (i32.gt_u (local.get $from_len) (i32.const 65)) (then unreachable))
    (local.set $h (call $open (i32.const 0)))
    (call $copy (i32.const 2048) (local.get $from) (local.get $from_len))
    (local.set $blen (local.get $from_len))
    (local.set $pos (i32.const 4096))
    (block $done
      (loop $name
        (br_if $done (i32.eqz (local.get $count)))
        (local.set $n (call $next (local.get $h) (i32.const 2048) (local.get $blen)
          (i32.add (local.get $pos) (i32.const 1)) (i32.const 64)))
        (br_if $done (i64.lt_s (local.get $n) (i64.const 0)))
        (i32.store8 (local.get $pos) (i32.wrap_i64 (local.get $n)))
        ;; the next bound: this name followed by a zero byte
        (call $copy (i32.const 2048) (i32.add (local.get $pos) (i32.const 1)) (i32.wrap_i64 (local.get $n)))
        (i32.store8 (i32.add (i32.const 2048) (i32.wrap_i64 (local.get $n))) (i32.const 0))
        (local.set $blen (i32.add (i32.wrap_i64 (local.get $n)) (i32.const 1)))
        (local.set $pos (i32.add (local.get $pos) (i32.add (i32.wrap_i64 (local.get $n)) (i32.const 1))))
        (local.set $count (i32.sub (local.get $count) (i32.const 1)))
        (br $name)))
    (call $return (i32.const 4096) (i32.sub (local.get $pos) (i32.const 4096))))
  ;; The last name in byte order, or nothing.
  (func (export "last")
    (local $i i32) (local $n i64)
    (block $done
      (loop $byte
        (br_if $done (i32.eq (local.get $i) (i32.const 64)))
        (i32.store8 (i32.add (i32.const 2048) (local.get $i)) (i32.const 0xff))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $byte)))
    (local.set $n (call $prev (call $open (i32.const 0)) (i32.const 2048) (i32.const 64) (i32.const 4096) (i32.const 64)))
    (if (i64.ge_s (local.get $n) (i64.const 0))
      (then (call $return (i32.const 4096) (i32.wrap_i64 (local.get $n))))))
)
