;; Mailboxes, a nested structure: variable 0 is a map<address, list<bytes>>,
;; each address's list its messages in the order they came. Emptying a
;; mailbox removes it in O(1), however many messages it held.
(module
  (import "svm" "caller" (func $caller (param i32)))
  (import "svm" "set_return" (func $return (param i32 i32)))
  (import "svm" "struct_open" (func $open (param i32) (result i32)))
  (import "svm" "struct_open_key" (func $open_key (param i32 i32 i32) (result i32)))
  (import "svm" "struct_len" (func $len (param i32) (result i64)))
  (import "svm" "struct_remove" (func $remove (param i32 i32 i32) (result i32)))
  (import "svm" "struct_entry" (func $entry (param i32 i32 i32 i32 i32) (result i64)))
  (import "svm" "list_push" (func $push (param i32 i32 i32) (result i64)))
  (import "svm" "list_get" (func $get (param i32 i64 i32 i32) (result i64)))
  (import "svm" "list_pop" (func $pop (param i32) (result i32)))
  (memory (export "memory") 2 2)
  ;; layout: page size 4096; mailboxes: map<bytes, list<bytes>>
  (@custom "svm-layout" "\80\20\01\00\02\01\00")
  ;; memory: 0..20 the caller, 32..40 a number, 4096..65536 byte arguments
  ;; (handed out in turn), 2048.. a cursor, 3072.. an entry, 65536.. output
  (global $free (mut i32) (i32.const 4096))
  (func (export "svm_alloc") (param $len i32) (result i32)
    (local $at i32)
    (local.set $at (global.get $free))
    (if (i32.gt_u (local.get $len) (i32.sub (i32.const 65536) (local.get $at))) (then unreachable))
    (global.set $free (i32.add (local.get $at) (local.get $len)))
    (local.get $at))
  (func $mailbox (param $who i32) (param $len i32) (result i32)
    (if (i32.ne (local.get $len) (i32.const 20)) (then unreachable))
    (call $open_key (call $open (i32.const 0)) (local.get $who) (i32.const 20)))
  (func $number (param $n i64)
    (i64.store (i32.const 32) (local.get $n))
    (call $return (i32.const 32) (i32.const 8)))
  ;; Appends a message to $to's mailbox; returns its index.
  (func (export "post") (param $to i32) (param $to_len i32) (param $msg i32) (param $msg_len i32)
    (call $number (call $push (call $mailbox (local.get $to) (local.get $to_len))
      (local.get $msg) (local.get $msg_len))))
  (func (export "count") (param $who i32) (param $len i32)
    (call $number (call $len (call $mailbox (local.get $who) (local.get $len)))))
  ;; Message $i of $who's mailbox, or nothing.
  (func (export "read") (param $who i32) (param $len i32) (param $i i64)
    (local $n i64)
    (local.set $n (call $get (call $mailbox (local.get $who) (local.get $len)) (local.get $i)
      (i32.const 65536) (i32.const 65536)))
    (if (i64.ge_s (local.get $n) (i64.const 0))
      (then (call $return (i32.const 65536) (i32.wrap_i64 (local.get $n))))))
  ;; Drops the caller's last message.
  (func (export "pop")
    (call $caller (i32.const 0))
    (drop (call $pop (call $mailbox (i32.const 0) (i32.const 20)))))
  ;; Empties the caller's mailbox.
  (func (export "clear")
    (call $caller (i32.const 0))
    (drop (call $remove (call $open (i32.const 0)) (i32.const 0) (i32.const 20))))
  ;; How many mailboxes hold messages.
  (func (export "mailboxes")
    (call $number (call $len (call $open (i32.const 0)))))
  ;; Every non-empty mailbox (at most 200), in the map's order: its address
  ;; and its message count (8 bytes, little-endian).
  (func (export "list")
    (local $h i32) (local $n i64) (local $clen i32) (local $next i32) (local $key i32)
    (local $pos i32) (local $i i32)
    (local.set $h (call $open (i32.const 0)))
    (local.set $pos (i32.const 65536))
    (block $done
      (loop $each
        (br_if $done (i32.eq (local.get $i) (i32.const 200)))
        (local.set $n (call $entry (local.get $h) (i32.const 2048) (local.get $clen)
          (i32.const 3072) (i32.const 1024)))
        (br_if $done (i64.lt_s (local.get $n) (i64.const 0)))
        ;; the entry: next cursor (u8 length), key (u16 big-endian length), value
        (local.set $next (i32.load8_u (i32.const 3072)))
        (local.set $key (i32.add (i32.const 3075) (local.get $next)))
        (i64.store (local.get $pos) (i64.load (local.get $key)))
        (i64.store offset=8 (local.get $pos) (i64.load offset=8 (local.get $key)))
        (i32.store offset=16 (local.get $pos) (i32.load offset=16 (local.get $key)))
        (i64.store offset=20 (local.get $pos)
          (call $len (call $open_key (local.get $h) (local.get $key) (i32.const 20))))
        (local.set $pos (i32.add (local.get $pos) (i32.const 28)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $done (i32.eqz (local.get $next)))
        ;; continue from the next cursor
        (local.set $clen (local.get $next))
        (block $copied
          (loop $byte
            (br_if $copied (i32.eqz (local.get $next)))
            (local.set $next (i32.sub (local.get $next) (i32.const 1)))
            (i32.store8 (i32.add (i32.const 2048) (local.get $next))
              (i32.load8_u (i32.add (i32.const 3073) (local.get $next))))
            (br $byte)))
        (br $each)))
    (call $return (i32.const 65536) (i32.sub (local.get $pos) (i32.const 65536))))
)
