package svm

/*
#include "svm.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"math/big"
	"runtime"
	"sync"
)

// DB is a state database: RocksDB in a directory, or memory.
type DB struct {
	mu sync.RWMutex
	h  *C.SvmDb
}

// Options of Open (zero values: the defaults).
type Options struct {
	// ReadOnly opens without the lock: another process may hold the
	// database; every write (and NewVM) is refused.
	ReadOnly bool `json:"read_only,omitempty"`
	// NodeCacheBytes of trie nodes cached (default 256 MiB).
	NodeCacheBytes uint64 `json:"node_cache_bytes,omitempty"`
	// MemoryBudgetMiB is RocksDB's per column (default 128).
	MemoryBudgetMiB uint64 `json:"memory_budget_mib,omitempty"`
	// SyncEvery syncs the write-ahead log every N commits (0: never).
	SyncEvery uint64 `json:"sync_every,omitempty"`
	// Keep is how many of the last roots a new database keeps (0: the
	// default, 128); older nodes are deleted.
	Keep uint64 `json:"keep,omitempty"`
	// Archive makes a new database keep every root instead.
	Archive bool `json:"archive,omitempty"`
}

func (o *Options) json() []byte {
	if o == nil {
		return nil
	}
	b, _ := json.Marshal(o) // a struct of numbers and bools: cannot fail
	return b
}

// Open opens (creating it if missing) the database in directory path.
func Open(path string, opts *Options) (*DB, error) {
	p, o := []byte(path), opts.json()
	var h *C.SvmDb
	var errb C.SvmBuffer
	s := C.svm_db_open(view(p), view(o), &h, &errb)
	runtime.KeepAlive(p)
	runtime.KeepAlive(o)
	if err := check(s, &errb); err != nil {
		return nil, err
	}
	return &DB{h: h}, nil
}

// OpenMemory opens a new, empty database in memory.
func OpenMemory() (*DB, error) {
	var h *C.SvmDb
	var errb C.SvmBuffer
	if err := check(C.svm_db_open_memory(C.SvmBytes{}, &h, &errb), &errb); err != nil {
		return nil, err
	}
	return &DB{h: h}, nil
}

// Close closes the database after the calls in flight. VMs over it keep
// it open until they are closed. A second Close is an ErrBadHandle.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.h == nil {
		return closed("database")
	}
	var errb C.SvmBuffer
	err := check(C.svm_db_close(db.h, &errb), &errb)
	db.h = nil
	return err
}

// with runs f with the handle, or fails if the database is closed.
func (db *DB) with(f func(h *C.SvmDb) error) error {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.h == nil {
		return closed("database")
	}
	return f(db.h)
}

// Head is the last committed state.
type Head struct {
	// Seq counts commits (0: the empty world).
	Seq  uint64
	Root Hash
}

func hashOf(h C.SvmHash) Hash {
	var out Hash
	for i := range out {
		out[i] = byte(h.bytes[i])
	}
	return out
}

// Head is the last committed state.
func (db *DB) Head() (Head, error) {
	var out C.SvmHead
	err := db.with(func(h *C.SvmDb) error {
		var errb C.SvmBuffer
		return check(C.svm_db_head(h, &out, &errb), &errb)
	})
	return Head{Seq: uint64(out.seq), Root: hashOf(out.root)}, err
}

// RootAt is the world root of commit seq (ErrNotFound past the head).
func (db *DB) RootAt(seq uint64) (Hash, error) {
	var out C.SvmHash
	err := db.with(func(h *C.SvmDb) error {
		var errb C.SvmBuffer
		return check(C.svm_db_root_at(h, C.uint64_t(seq), &out, &errb), &errb)
	})
	return hashOf(out), err
}

// BlockInfo is what the database keeps of a committed block.
type BlockInfo struct {
	Height, Time, Seq, Receipts uint64
	WorldRoot, ReceiptsRoot     Hash
}

// Block is the block committed at height (ErrNotFound if none).
func (db *DB) Block(height uint64) (BlockInfo, error) {
	var out C.SvmBlockInfo
	err := db.with(func(h *C.SvmDb) error {
		var errb C.SvmBuffer
		return check(C.svm_db_block(h, C.uint64_t(height), &out, &errb), &errb)
	})
	return BlockInfo{
		Height: uint64(out.height), Time: uint64(out.time), Seq: uint64(out.seq),
		Receipts: uint64(out.receipts), WorldRoot: hashOf(out.world_root),
		ReceiptsRoot: hashOf(out.receipts_root),
	}, err
}

// rootView is the view of an optional root (nil: the head).
func rootBytes(root *Hash) []byte {
	if root == nil {
		return nil
	}
	return root[:]
}

// bytesCall runs a C call that fills one buffer.
func (db *DB) bytesCall(f func(h *C.SvmDb, out, errb *C.SvmBuffer) C.SvmStatus) ([]byte, error) {
	var out C.SvmBuffer
	err := db.with(func(h *C.SvmDb) error {
		var errb C.SvmBuffer
		return check(f(h, &out, &errb), &errb)
	})
	if err != nil {
		return nil, err
	}
	return take(&out), nil
}

// Account is an account in the world state.
type Account struct {
	Nonce       uint64
	Balance     *big.Int
	StorageRoot Hash
	CodeHash    Hash
}

// Account is the account at addr under root (nil: the head); ErrNotFound
// when there is none.
func (db *DB) Account(root *Hash, addr Address) (Account, error) {
	r := rootBytes(root)
	b, err := db.bytesCall(func(h *C.SvmDb, out, errb *C.SvmBuffer) C.SvmStatus {
		return C.svm_db_account(h, view(r), view(addr[:]), out, errb)
	})
	runtime.KeepAlive(r)
	if err != nil {
		return Account{}, err
	}
	it, err := rlpOne(b)
	if err != nil {
		return Account{}, err
	}
	f, err := rlpItems(it)
	if err != nil || len(f) != 4 || len(f[2].payload) != 32 || len(f[3].payload) != 32 {
		return Account{}, errRLP
	}
	nonce, err := rlpToUint(f[0])
	if err != nil {
		return Account{}, err
	}
	a := Account{Nonce: nonce, Balance: new(big.Int).SetBytes(f[1].payload)}
	copy(a.StorageRoot[:], f[2].payload)
	copy(a.CodeHash[:], f[3].payload)
	return a, nil
}

// Variable is variable index of the contract at addr under root (nil:
// the head); zeros if never written.
func (db *DB) Variable(root *Hash, addr Address, index uint32) ([]byte, error) {
	r := rootBytes(root)
	b, err := db.bytesCall(func(h *C.SvmDb, out, errb *C.SvmBuffer) C.SvmStatus {
		return C.svm_db_variable(h, view(r), view(addr[:]), C.uint32_t(index), out, errb)
	})
	runtime.KeepAlive(r)
	return b, err
}

// Step is one step of a path into nested structures: Index or Key.
type Step interface{ encodeStep(e *encoder) }

// Index selects a list element.
type Index uint32

// Key selects a map value or a set member.
type Key []byte

func (i Index) encodeStep(e *encoder) { e.list(func() { e.uint(0); e.uint(uint64(i)) }) }
func (k Key) encodeStep(e *encoder)   { e.list(func() { e.uint(1); e.bytes(k) }) }

func encodePath(path []Step) []byte {
	var e encoder
	e.list(func() {
		for _, s := range path {
			if s != nil {
				s.encodeStep(&e)
			}
		}
	})
	return e.buf
}

// Element is an element of structure variable variable of the contract
// at addr under root (nil: the head), reached by path (the last step is
// the element's); ErrNotFound when absent.
func (db *DB) Element(root *Hash, addr Address, variable uint32, path ...Step) ([]byte, error) {
	r, p := rootBytes(root), encodePath(path)
	b, err := db.bytesCall(func(h *C.SvmDb, out, errb *C.SvmBuffer) C.SvmStatus {
		return C.svm_db_element(h, view(r), view(addr[:]), C.uint32_t(variable), view(p), out, errb)
	})
	runtime.KeepAlive(r)
	runtime.KeepAlive(p)
	return b, err
}

// Code is the code with keccak hash hash (ErrNotFound if not stored).
func (db *DB) Code(hash Hash) ([]byte, error) {
	return db.bytesCall(func(h *C.SvmDb, out, errb *C.SvmBuffer) C.SvmStatus {
		return C.svm_db_code(h, view(hash[:]), out, errb)
	})
}

// Format is a proof's encoding.
type Format uint32

// Proof formats.
const (
	Binary Format = C.SVM_FORMAT_BINARY
	JSON   Format = C.SVM_FORMAT_JSON
)

// ProveVariable proves variable variable of the contract at addr (or the
// account's absence) under root (nil: the head). withCode carries the
// contract's code for verifiers that do not know its layout.
func (db *DB) ProveVariable(root *Hash, addr Address, variable uint32, withCode bool, f Format) ([]byte, error) {
	r := rootBytes(root)
	b, err := db.bytesCall(func(h *C.SvmDb, out, errb *C.SvmBuffer) C.SvmStatus {
		return C.svm_prove_variable(h, view(r), view(addr[:]), C.uint32_t(variable), C.bool(withCode),
			C.uint32_t(f), out, errb)
	})
	runtime.KeepAlive(r)
	return b, err
}

// ProveElement proves an element (present or absent) as Element reads it.
func (db *DB) ProveElement(root *Hash, addr Address, variable uint32, withCode bool, f Format, path ...Step) ([]byte, error) {
	r, p := rootBytes(root), encodePath(path)
	b, err := db.bytesCall(func(h *C.SvmDb, out, errb *C.SvmBuffer) C.SvmStatus {
		return C.svm_prove_element(h, view(r), view(addr[:]), C.uint32_t(variable), view(p),
			C.bool(withCode), C.uint32_t(f), out, errb)
	})
	runtime.KeepAlive(r)
	runtime.KeepAlive(p)
	return b, err
}

// ProveReceipt proves receipt index of the block at height against the
// block's receipts root.
func (db *DB) ProveReceipt(height, index uint64, f Format) ([]byte, error) {
	return db.bytesCall(func(h *C.SvmDb, out, errb *C.SvmBuffer) C.SvmStatus {
		return C.svm_prove_receipt(h, C.uint64_t(height), C.uint64_t(index), C.uint32_t(f), out, errb)
	})
}

// ServeRange answers a snapshot range request: the range message of the
// trie at root from key from up to key to (nil: no bound), at most about
// maxBytes of entries (capped at 2 MiB). ErrNotFound if the trie is not
// held.
func (db *DB) ServeRange(root Hash, from, to []byte, maxBytes int) ([]byte, error) {
	if maxBytes < 0 {
		maxBytes = 0
	}
	b, err := db.bytesCall(func(h *C.SvmDb, out, errb *C.SvmBuffer) C.SvmStatus {
		return C.svm_serve_range(h, view(root[:]), view(from), view(to), C.size_t(maxBytes), out, errb)
	})
	runtime.KeepAlive(from)
	runtime.KeepAlive(to)
	return b, err
}

// StateMetrics is where a database stands and what its commits did since
// it was opened.
type StateMetrics struct {
	Head             uint64 `json:"head"`
	KeptFrom         uint64 `json:"kept_from"`
	Commits          uint64 `json:"commits"`
	NodesWritten     uint64 `json:"nodes_written"`
	NodeBytesWritten uint64 `json:"node_bytes_written"`
	NodesDeleted     uint64 `json:"nodes_deleted"`
	OccurrencesSwept uint64 `json:"occurrences_swept"`
	SweepPending     uint64 `json:"sweep_pending"`
	CacheHits        uint64 `json:"cache_hits"`
	CacheMisses      uint64 `json:"cache_misses"`
	CacheBytes       uint64 `json:"cache_bytes"`
}

// Metrics is the database's counters.
func (db *DB) Metrics() (StateMetrics, error) {
	b, err := db.bytesCall(func(h *C.SvmDb, out, errb *C.SvmBuffer) C.SvmStatus {
		return C.svm_db_metrics(h, out, errb)
	})
	if err != nil {
		return StateMetrics{}, err
	}
	var m struct {
		State StateMetrics `json:"state"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return StateMetrics{}, fmt.Errorf("svm: metrics: %w", err)
	}
	return m.State, nil
}
