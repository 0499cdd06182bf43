package svm

import (
	"fmt"
	"math/big"
)

// Arg is an argument to a contract function: I32, I64 or Bytes.
type Arg interface{ encodeArg() []byte }

// I32 is an i32 parameter.
type I32 int32

// I64 is an i64 parameter.
type I64 int64

// Bytes are copied into the contract's memory and passed as (ptr, len).
type Bytes []byte

func (a I32) encodeArg() []byte   { return rlpList(rlpUint(0), rlpUint(uint64(uint32(a)))) }
func (a I64) encodeArg() []byte   { return rlpList(rlpUint(1), rlpUint(uint64(a))) }
func (a Bytes) encodeArg() []byte { return rlpList(rlpUint(2), rlpBytes(a)) }

func encodeArgs(args []Arg) ([]byte, error) {
	items := make([][]byte, len(args))
	for i, a := range args {
		if a == nil {
			return nil, &Error{Status: StatusInvalidInput, Message: fmt.Sprintf("argument %d is nil", i)}
		}
		items[i] = a.encodeArg()
	}
	return rlpList(items...), nil
}

var maxU256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

func amount(v *big.Int, what string) ([]byte, error) {
	if v != nil && (v.Sign() < 0 || v.Cmp(maxU256) > 0) {
		return nil, &Error{Status: StatusInvalidInput, Message: what + " is not a 256-bit unsigned amount"}
	}
	return rlpBig(v), nil
}

// Tx is a transaction: a Deploy or a Call.
type Tx interface{ encode() ([]byte, error) }

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

func (d Deploy) encode() ([]byte, error) {
	balance, err := amount(d.Balance, "balance")
	if err != nil {
		return nil, err
	}
	ctor := rlpList()
	if d.Constructor != "" {
		args, err := encodeArgs(d.ConstructorArgs)
		if err != nil {
			return nil, err
		}
		ctor = rlpList(rlpBytes([]byte(d.Constructor)), args)
	} else if len(d.ConstructorArgs) > 0 {
		return nil, &Error{Status: StatusInvalidInput, Message: "constructor arguments without a constructor"}
	}
	return rlpList(rlpUint(0), rlpBytes(d.Author[:]), rlpUint(d.Nonce), rlpBytes(d.Code),
		balance, ctor, rlpUint(d.GasLimit)), nil
}

func (c Call) encode() ([]byte, error) {
	value, err := amount(c.Value, "value")
	if err != nil {
		return nil, err
	}
	args, err := encodeArgs(c.Args)
	if err != nil {
		return nil, err
	}
	return rlpList(rlpUint(1), rlpBytes(c.Contract[:]), rlpBytes(c.Sender[:]),
		rlpBytes([]byte(c.Function)), args, rlpUint(c.GasLimit), value), nil
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

func decodeReceipt(it rlpItem) (Receipt, error) {
	f, err := rlpItems(it)
	if err != nil || len(f) != 8 || len(f[2].payload) != 20 {
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
	r.ReturnData = append([]byte{}, f[3].payload...)
	logs, err := rlpItems(f[4])
	if err != nil {
		return Receipt{}, err
	}
	for _, l := range logs {
		r.Logs = append(r.Logs, append([]byte{}, l.payload...))
	}
	r.Error = string(f[5].payload)
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
	f, err := rlpItems(it)
	if err != nil || len(f) != 3 || len(f[0].payload) != 32 || len(f[1].payload) != 32 {
		return BlockResult{}, errRLP
	}
	var out BlockResult
	copy(out.WorldRoot[:], f[0].payload)
	copy(out.ReceiptsRoot[:], f[1].payload)
	rs, err := rlpItems(f[2])
	if err != nil {
		return BlockResult{}, err
	}
	out.Receipts = make([]Receipt, len(rs))
	for i, r := range rs {
		if out.Receipts[i], err = decodeReceipt(r); err != nil {
			return BlockResult{}, err
		}
	}
	return out, nil
}
