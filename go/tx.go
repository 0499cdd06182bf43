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

// Tx is a transaction: a Deploy or a Call.
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
	if d.Constructor == "" && len(d.ConstructorArgs) > 0 {
		return &Error{Status: StatusInvalidInput, Message: "constructor arguments without a constructor"}
	}
	return checkArgs(d.ConstructorArgs)
}

func (d Deploy) encodeTo(e *encoder) {
	e.list(func() {
		e.uint(0)
		e.bytes(d.Author[:])
		e.uint(d.Nonce)
		e.bytes(d.Code)
		e.big(d.Balance)
		e.list(func() {
			if d.Constructor != "" {
				e.bytes([]byte(d.Constructor))
				encodeArgs(e, d.ConstructorArgs)
			}
		})
		e.uint(d.GasLimit)
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
	Logs       [][]byte
	// StateRoot and WorldRoot are the roots after a transaction committed
	// on its own (nil inside a block: the block's roots are the result's).
	StateRoot *Hash
	WorldRoot *Hash
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
		var l rlpItem
		if l, rest, err = rlpSplit(rest); err != nil || l.list {
			return Receipt{}, errRLP
		}
		r.Logs = append(r.Logs, l.payload)
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
