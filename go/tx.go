package svm

import (
	"fmt"
	"math/big"
)

// Arg is an argument to a contract function: I32, I64 or Bytes.
type Arg interface{ encodeArg(e *encoder) }

// I32 is an i32 parameter.
type I32 int32

// I64 is an i64 parameter.
type I64 int64

// Bytes are copied into the contract's memory and passed as (ptr, len).
type Bytes []byte

func (a I32) encodeArg(e *encoder) {
	e.list(func() { e.uint(0); e.uint(uint64(uint32(a))) })
}

func (a I64) encodeArg(e *encoder) {
	e.list(func() { e.uint(1); e.uint(uint64(a)) })
}

func (a Bytes) encodeArg(e *encoder) {
	e.list(func() { e.uint(2); e.bytes(a) })
}

func checkArgs(args []Arg) error {
	for i, a := range args {
		if a == nil {
			return &Error{Status: StatusInvalidInput, Message: fmt.Sprintf("argument %d is nil", i)}
		}
	}
	return nil
}

func encodeArgs(e *encoder, args []Arg) {
	e.list(func() {
		for _, a := range args {
			a.encodeArg(e)
		}
	})
}

var maxU256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

func checkAmount(v *big.Int, what string) error {
	if v != nil && (v.Sign() < 0 || v.Cmp(maxU256) > 0) {
		return &Error{Status: StatusInvalidInput, Message: what + " is not a 256-bit unsigned amount"}
	}
	return nil
}

// Tx is a transaction: a Deploy, a Call, a Template or a Spawn.
type Tx interface {
	check() error
	encodeTo(e *encoder)
}

// Deploy creates a contract at the address derived from Author and Nonce.
type Deploy struct {
	Author Address
	// Nonce must be the author's next one (VM.NextNonce).
	Nonce uint64
	// Code is a WebAssembly module binary (WatToWasm converts text).
	Code []byte
	// Balance moves from the author to the contract (nil: zero).
	Balance *big.Int
	// Constructor, if not empty, runs after creation with ConstructorArgs.
	Constructor     string
	ConstructorArgs []Arg
	GasLimit        uint64
}

// Call runs an exported function of a contract.
type Call struct {
	Contract Address
	Sender   Address
	Function string
	Args     []Arg
	GasLimit uint64
	// Value moves from the sender to the contract (nil: zero).
	Value *big.Int
}

func (d Deploy) check() error {
	if err := checkAmount(d.Balance, "balance"); err != nil {
		return err
	}
	return checkConstructor(d.Constructor, d.ConstructorArgs)
}

func (d Deploy) encodeTo(e *encoder) {
	e.list(func() {
		e.uint(0)
		e.bytes(d.Author[:])
		e.uint(d.Nonce)
		e.bytes(d.Code)
		e.big(d.Balance)
		encodeConstructor(e, d.Constructor, d.ConstructorArgs)
		e.uint(d.GasLimit)
	})
}

// Template stores Code once, at the template address of its hash, without
// creating a contract: contracts are spawned from it (Spawn) and contracts
// call its functions as a library.
type Template struct {
	Author Address
	// Nonce must be the author's next one (VM.NextNonce).
	Nonce    uint64
	Code     []byte
	GasLimit uint64
}

// Spawn creates a contract running the code of the template with code hash
// Template, at the address derived from Author and Nonce.
type Spawn struct {
	Author Address
	// Nonce must be the author's next one (VM.NextNonce).
	Nonce    uint64
	Template Hash
	// Balance moves from the author to the contract (nil: zero).
	Balance *big.Int
	// Constructor, if not empty, runs after creation with ConstructorArgs.
	Constructor     string
	ConstructorArgs []Arg
	GasLimit        uint64
}

func checkConstructor(name string, args []Arg) error {
	if name == "" && len(args) > 0 {
		return &Error{Status: StatusInvalidInput, Message: "constructor arguments without a constructor"}
	}
	return checkArgs(args)
}

func encodeConstructor(e *encoder, name string, args []Arg) {
	e.list(func() {
		if name != "" {
			e.bytes([]byte(name))
			encodeArgs(e, args)
		}
	})
}

func (t Template) check() error { return nil }

func (t Template) encodeTo(e *encoder) {
	e.list(func() {
		e.uint(2)
		e.bytes(t.Author[:])
		e.uint(t.Nonce)
		e.bytes(t.Code)
		e.uint(t.GasLimit)
	})
}

func (s Spawn) check() error {
	if err := checkAmount(s.Balance, "balance"); err != nil {
		return err
	}
	return checkConstructor(s.Constructor, s.ConstructorArgs)
}

func (s Spawn) encodeTo(e *encoder) {
	e.list(func() {
		e.uint(3)
		e.bytes(s.Author[:])
		e.uint(s.Nonce)
		e.bytes(s.Template[:])
		e.big(s.Balance)
		encodeConstructor(e, s.Constructor, s.ConstructorArgs)
		e.uint(s.GasLimit)
	})
}

func (c Call) check() error {
	if err := checkAmount(c.Value, "value"); err != nil {
		return err
	}
	return checkArgs(c.Args)
}

func (c Call) encodeTo(e *encoder) {
	e.list(func() {
		e.uint(1)
		e.bytes(c.Contract[:])
		e.bytes(c.Sender[:])
		e.bytes([]byte(c.Function))
		encodeArgs(e, c.Args)
		e.uint(c.GasLimit)
		e.big(c.Value)
	})
}

// encodeTx is a checked transaction's C API form.
func encodeTx(tx Tx) ([]byte, error) {
	if err := tx.check(); err != nil {
		return nil, err
	}
	var e encoder
	tx.encodeTo(&e)
	return e.buf, nil
}

// Block is the block a transaction runs in.
type Block struct {
	Height uint64
	// Time in seconds since the Unix epoch.
	Time uint64
}

// Receipt is what a transaction did. A failed transaction is a receipt
// (Success false, Error the reason, Status its consensus code), not an
// error: it changed nothing.
type Receipt struct {
	Success bool
	// Status is the consensus status code: 0 success, else the failure's.
	Status     uint8
	Error      string
	GasUsed    uint64
	Contract   Address
	ReturnData []byte
	// Events are those of every frame that succeeded, in order.
	Events []Event
	// StateRoot and WorldRoot are the roots after a transaction committed
	// on its own (nil inside a block: the block's roots are the result's).
	StateRoot *Hash
	WorldRoot *Hash
}

// Event is what a contract emitted: up to four topics, data, and for how
// many blocks nodes' event indexes keep it (0: the receipt only).
type Event struct {
	Contract Address
	Topics   []Hash
	Data     []byte
	TTL      uint64
}

// decodeEvent reads an event item; byte fields alias the buffer.
func decodeEvent(it rlpItem) (Event, error) {
	var f [4]rlpItem
	if err := rlpFields(it, f[:]); err != nil || len(f[0].payload) != 20 || !f[1].list {
		return Event{}, errRLP
	}
	var ev Event
	copy(ev.Contract[:], f[0].payload)
	for rest := f[1].payload; len(rest) > 0; {
		var t rlpItem
		var err error
		if t, rest, err = rlpSplit(rest); err != nil || t.list || len(t.payload) != 32 {
			return Event{}, errRLP
		}
		var h Hash
		copy(h[:], t.payload)
		ev.Topics = append(ev.Topics, h)
	}
	if f[2].list {
		return Event{}, errRLP
	}
	if len(f[2].payload) > 0 {
		ev.Data = f[2].payload
	}
	ttl, err := rlpToUint(f[3])
	if err != nil {
		return Event{}, err
	}
	ev.TTL = ttl
	return ev, nil
}

// BlockResult is what a block did.
type BlockResult struct {
	WorldRoot    Hash
	ReceiptsRoot Hash
	Receipts     []Receipt
}

// decodeReceipt reads a receipt out of b, a buffer the caller owns:
// byte fields alias it.
func decodeReceipt(it rlpItem) (Receipt, error) {
	var f [8]rlpItem
	if err := rlpFields(it, f[:]); err != nil || len(f[2].payload) != 20 {
		return Receipt{}, errRLP
	}
	var r Receipt
	status, err := rlpToUint(f[0])
	if err != nil || status > 255 {
		return Receipt{}, errRLP
	}
	r.Status = uint8(status)
	r.Success = status == 0
	if r.GasUsed, err = rlpToUint(f[1]); err != nil {
		return Receipt{}, err
	}
	copy(r.Contract[:], f[2].payload)
	if len(f[3].payload) > 0 {
		r.ReturnData = f[3].payload
	}
	if !f[4].list {
		return Receipt{}, errRLP
	}
	for rest := f[4].payload; len(rest) > 0; {
		var it rlpItem
		if it, rest, err = rlpSplit(rest); err != nil {
			return Receipt{}, errRLP
		}
		ev, err := decodeEvent(it)
		if err != nil {
			return Receipt{}, err
		}
		r.Events = append(r.Events, ev)
	}
	if len(f[5].payload) > 0 {
		r.Error = string(f[5].payload)
	}
	if r.StateRoot, err = rlpToHash(f[6]); err != nil {
		return Receipt{}, err
	}
	if r.WorldRoot, err = rlpToHash(f[7]); err != nil {
		return Receipt{}, err
	}
	return r, nil
}

func decodeBlockResult(b []byte) (BlockResult, error) {
	it, err := rlpOne(b)
	if err != nil {
		return BlockResult{}, err
	}
	var f [3]rlpItem
	if err := rlpFields(it, f[:]); err != nil || len(f[0].payload) != 32 || len(f[1].payload) != 32 || !f[2].list {
		return BlockResult{}, errRLP
	}
	var out BlockResult
	copy(out.WorldRoot[:], f[0].payload)
	copy(out.ReceiptsRoot[:], f[1].payload)
	for rest := f[2].payload; len(rest) > 0; {
		var r rlpItem
		if r, rest, err = rlpSplit(rest); err != nil {
			return BlockResult{}, err
		}
		receipt, err := decodeReceipt(r)
		if err != nil {
			return BlockResult{}, err
		}
		out.Receipts = append(out.Receipts, receipt)
	}
	return out, nil
}
