// Command ffibench is the Go side of svm-bench's `--suite ffi`: it runs a
// prepared workload (blocks of token transfers, trivial calls) through the
// svm package and prints its timings as JSON. svm-bench prepares the
// database and the workload, runs the same through Rust, and compares.
//
//	ffibench DB WORKLOAD
//
// WORKLOAD holds `contracts` (the token's and the counter's addresses, 40
// bytes) and `blocks.bin`: for each transfer, the sender (20 bytes), and
// the holders from and to (u32 little-endian each); 1,000 per block.
package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"svm"
)

const perBlock = 1_000

type result struct {
	BlockSecs   []float64 `json:"block_secs"`
	HeadNanos   float64   `json:"head_ns"`
	GetMicros   float64   `json:"get_us"`
	Transfers   int       `json:"transfers"`
	GasPerBlock uint64    `json:"gas_per_block"`
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ffibench:", err)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 3 {
		fail(fmt.Errorf("usage: ffibench DB WORKLOAD"))
	}
	dbDir, work := os.Args[1], os.Args[2]
	contracts, err := os.ReadFile(filepath.Join(work, "contracts"))
	if err != nil || len(contracts) != 40 {
		fail(fmt.Errorf("contracts: %v", err))
	}
	var token, counter svm.Address
	copy(token[:], contracts[:20])
	copy(counter[:], contracts[20:])
	raw, err := os.ReadFile(filepath.Join(work, "blocks.bin"))
	if err != nil || len(raw)%(28*perBlock) != 0 {
		fail(fmt.Errorf("blocks.bin: %v", err))
	}
	var blocks [][]svm.Tx
	for off := 0; off < len(raw); off += 28 * perBlock {
		txs := make([]svm.Tx, perBlock)
		for i := range txs {
			rec := raw[off+28*i : off+28*(i+1)]
			var sender svm.Address
			copy(sender[:], rec[:20])
			from := binary.LittleEndian.Uint32(rec[20:24])
			to := binary.LittleEndian.Uint32(rec[24:28])
			txs[i] = svm.Call{Contract: token, Sender: sender, Function: "transfer",
				Args: []svm.Arg{svm.I32(from), svm.I32(to), svm.I64(1)}, GasLimit: 200_000}
		}
		blocks = append(blocks, txs)
	}

	db, err := svm.Open(dbDir, nil)
	if err != nil {
		fail(err)
	}
	vm, err := svm.NewVM(db, &svm.VMConfig{MaxBlockGas: perBlock * 200_000})
	if err != nil {
		fail(err)
	}
	head, err := db.Head()
	if err != nil {
		fail(err)
	}
	var out result
	for i, txs := range blocks {
		start := time.Now()
		res, err := vm.ExecuteBlock(txs, svm.Block{Height: head.Seq + 1 + uint64(i)})
		out.BlockSecs = append(out.BlockSecs, time.Since(start).Seconds())
		if err != nil {
			fail(err)
		}
		for _, r := range res.Receipts {
			if !r.Success {
				fail(fmt.Errorf("a transfer failed: %s", r.Error))
			}
			out.GasPerBlock += r.GasUsed
		}
		out.Transfers += len(txs)
	}
	out.GasPerBlock /= uint64(len(blocks))

	const heads = 200_000
	start := time.Now()
	for i := 0; i < heads; i++ {
		if _, err := db.Head(); err != nil {
			fail(err)
		}
	}
	out.HeadNanos = float64(time.Since(start).Nanoseconds()) / heads

	const gets = 2_000
	get := svm.Call{Contract: counter, Sender: svm.Address{19: 1}, Function: "get", GasLimit: 200_000}
	start = time.Now()
	for i := 0; i < gets; i++ {
		if r, err := vm.Call(get, svm.Block{Height: 1}); err != nil || !r.Success {
			fail(fmt.Errorf("get: %v %s", err, r.Error))
		}
	}
	out.GetMicros = float64(time.Since(start).Microseconds()) / gets

	vm.Close()
	db.Close()
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}
