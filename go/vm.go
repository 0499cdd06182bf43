package svm

/*
#include "svm.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
)

// VM deploys and calls contracts on a database.
type VM struct {
	mu sync.RWMutex
	h  *C.SvmVm
}

// VMConfig of NewVM (zero values: the defaults). The limits that decide
// results are not options: every node uses the same.
type VMConfig struct {
	// MaxTxGas is the most gas one transaction may ask for.
	MaxTxGas uint64 `json:"max_tx_gas,omitempty"`
	// MaxBlockGas is the most a block's transactions may ask for together.
	MaxBlockGas uint64 `json:"max_block_gas,omitempty"`
	// ModuleCacheBytes of compiled modules kept in memory.
	ModuleCacheBytes uint64 `json:"module_cache_bytes,omitempty"`
	// ArtifactDir keeps compiled modules on disk across runs.
	ArtifactDir string `json:"artifact_dir,omitempty"`
	// Tiering, if set, turns tiered compilation (hot contracts compiled
	// again with Cranelift on a background thread) on or off; nil: the
	// library's default (on when it has Cranelift).
	Tiering *bool `json:"tiering,omitempty"`
}

// NewVM creates a VM over db (ErrReadOnly for a read-only database).
func NewVM(db *DB, cfg *VMConfig) (*VM, error) {
	var c []byte
	if cfg != nil {
		c, _ = json.Marshal(cfg) // numbers, a string and a bool: cannot fail
	}
	var h *C.SvmVm
	err := db.with(func(dh *C.SvmDb) error {
		var errb C.SvmBuffer
		s := C.svm_vm_new(dh, view(c), &h, &errb)
		runtime.KeepAlive(c)
		return check(s, &errb)
	})
	if err != nil {
		return nil, err
	}
	return &VM{h: h}, nil
}

// Close frees the VM after the calls in flight; a second Close is an
// ErrBadHandle. Every transaction was committed when its call returned.
func (vm *VM) Close() error {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	if vm.h == nil {
		return closed("VM")
	}
	var errb C.SvmBuffer
	err := check(C.svm_vm_free(vm.h, &errb), &errb)
	vm.h = nil
	return err
}

func (vm *VM) with(f func(h *C.SvmVm) error) error {
	vm.mu.RLock()
	defer vm.mu.RUnlock()
	if vm.h == nil {
		return closed("VM")
	}
	return f(vm.h)
}

func cblock(b Block) C.SvmBlock {
	return C.SvmBlock{height: C.uint64_t(b.Height), time: C.uint64_t(b.Time)}
}

// Which entry point runs a transaction on its own.
type entry int

const (
	entryDeploy entry = iota
	entryCall
	entryAny
)

func (vm *VM) single(tx Tx, b Block, via entry) (Receipt, error) {
	enc, err := encodeTx(tx)
	if err != nil {
		return Receipt{}, err
	}
	var out C.SvmBuffer
	err = vm.with(func(h *C.SvmVm) error {
		var errb C.SvmBuffer
		var s C.SvmStatus
		switch via {
		case entryDeploy:
			s = C.svm_vm_deploy(h, view(enc), cblock(b), &out, &errb)
		case entryCall:
			s = C.svm_vm_call(h, view(enc), cblock(b), &out, &errb)
		default:
			s = C.svm_vm_execute(h, view(enc), cblock(b), &out, &errb)
		}
		runtime.KeepAlive(enc)
		return check(s, &errb)
	})
	if err != nil {
		return Receipt{}, err
	}
	it, err := rlpOne(take(&out))
	if err != nil {
		return Receipt{}, err
	}
	return decodeReceipt(it)
}

// Deploy deploys a contract and commits. A refused module or failing
// constructor is a receipt that changed nothing; an error means no receipt
// could be made (invalid transaction, the node's failure).
func (vm *VM) Deploy(tx Deploy, b Block) (Receipt, error) { return vm.single(tx, b, entryDeploy) }

// Call calls a contract: commits on success, changes nothing on failure.
func (vm *VM) Call(tx Call, b Block) (Receipt, error) { return vm.single(tx, b, entryCall) }

// Execute runs a transaction of any kind (Deploy, Call, Template, Spawn) on
// its own and commits it if it succeeds.
func (vm *VM) Execute(tx Tx, b Block) (Receipt, error) {
	if tx == nil {
		return Receipt{}, &Error{Status: StatusInvalidInput, Message: "the transaction is nil"}
	}
	return vm.single(tx, b, entryAny)
}

// ExecuteBlock runs txs in order (a failed one reverted alone) and commits
// once. An invalid transaction or block (ErrInvalidTx), or the node's
// failure, commits nothing.
func (vm *VM) ExecuteBlock(txs []Tx, b Block) (BlockResult, error) {
	for i, tx := range txs {
		if tx == nil {
			return BlockResult{}, &Error{Status: StatusInvalidInput, Message: fmt.Sprintf("transaction %d is nil", i)}
		}
		if err := tx.check(); err != nil {
			return BlockResult{}, err
		}
	}
	e := encoder{buf: make([]byte, 0, 128*len(txs)+16)}
	e.list(func() {
		for _, tx := range txs {
			tx.encodeTo(&e)
		}
	})
	enc := e.buf
	var out C.SvmBuffer
	err := vm.with(func(h *C.SvmVm) error {
		var errb C.SvmBuffer
		s := C.svm_vm_execute_block(h, view(enc), cblock(b), &out, &errb)
		runtime.KeepAlive(enc)
		return check(s, &errb)
	})
	if err != nil {
		return BlockResult{}, err
	}
	return decodeBlockResult(take(&out))
}

// NextNonce is the nonce author's next deploy must carry.
func (vm *VM) NextNonce(author Address) (uint64, error) {
	var n C.uint64_t
	err := vm.with(func(h *C.SvmVm) error {
		var errb C.SvmBuffer
		return check(C.svm_vm_next_nonce(h, view(author[:]), &n, &errb), &errb)
	})
	return uint64(n), err
}

// Metrics is everything an operator watches, in one read: the database's
// counters, time per phase and the module caches' counters.
type Metrics struct {
	State  StateMetrics `json:"state"`
	Phases struct {
		Runs          uint64 `json:"runs"`
		InstantiateNs uint64 `json:"instantiate_ns"`
		ExecuteNs     uint64 `json:"execute_ns"`
		Commits       uint64 `json:"commits"`
		CommitNs      uint64 `json:"commit_ns"`
	} `json:"phases"`
	Modules struct {
		MemoryHits  uint64 `json:"memory_hits"`
		DiskHits    uint64 `json:"disk_hits"`
		Compiles    uint64 `json:"compiles"`
		DiskRejects uint64 `json:"disk_rejects"`
		// Hot modules compiled again with Cranelift and swapped in.
		TierUps uint64 `json:"tier_ups"`
		// Hot modules left on singlepass (compile failed or over budget).
		TierRefusals uint64 `json:"tier_refusals"`
		// Calls served a Cranelift-compiled module from the caches.
		OptimizedCalls uint64 `json:"optimized_calls"`
	} `json:"modules"`
}

// Metrics reads the VM's metrics.
func (vm *VM) Metrics() (Metrics, error) {
	var out C.SvmBuffer
	err := vm.with(func(h *C.SvmVm) error {
		var errb C.SvmBuffer
		return check(C.svm_vm_metrics(h, &out, &errb), &errb)
	})
	if err != nil {
		return Metrics{}, err
	}
	var m Metrics
	if err := json.Unmarshal(take(&out), &m); err != nil {
		return Metrics{}, fmt.Errorf("svm: metrics: %w", err)
	}
	return m, nil
}
