// Command node is the loop of a node that embeds svm: it reads blocks of
// transactions as JSON lines, executes each block, and prints the block's
// world and receipts roots.
//
//	go run ./examples/node -blocks examples/node/blocks.jsonl
//
// Each line is one block:
//
//	{"height": 1, "time": 1700000000, "txs": [
//	  {"deploy": {"author": "0x…", "nonce": 0, "wat": "counter.wat"}},
//	  {"call": {"contract": "0x…", "sender": "0x…", "function": "increment",
//	            "args": ["i64:5"], "gas": 1000000}}]}
//
// Arguments are "i32:N", "i64:N" or 0x-hex bytes; "wat" paths are relative
// to the blocks file, "code" is a 0x-hex module binary. The state lives in
// -db (RocksDB; created if missing), so a second run continues from the
// first's head.
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"svm"
)

type deployJSON struct {
	Author string `json:"author"`
	Nonce  uint64 `json:"nonce"`
	Wat    string `json:"wat"`
	Code   string `json:"code"`
	Ctor   string `json:"constructor"`
	Gas    uint64 `json:"gas"`
	Value  string `json:"balance"`
}

type callJSON struct {
	Contract string   `json:"contract"`
	Sender   string   `json:"sender"`
	Function string   `json:"function"`
	Args     []string `json:"args"`
	Gas      uint64   `json:"gas"`
	Value    string   `json:"value"`
}

type txJSON struct {
	Deploy *deployJSON `json:"deploy"`
	Call   *callJSON   `json:"call"`
}

type blockJSON struct {
	Height uint64   `json:"height"`
	Time   uint64   `json:"time"`
	Txs    []txJSON `json:"txs"`
}

func hexBytes(s string) ([]byte, error) {
	if !strings.HasPrefix(s, "0x") {
		return nil, fmt.Errorf("%q: expected 0x-hex", s)
	}
	return hex.DecodeString(s[2:])
}

func address(s string) (svm.Address, error) {
	var a svm.Address
	b, err := hexBytes(s)
	if err != nil {
		return a, err
	}
	if len(b) != 20 {
		return a, fmt.Errorf("%q: %d bytes, not 20", s, len(b))
	}
	copy(a[:], b)
	return a, nil
}

func amount(s string) (*big.Int, error) {
	if s == "" {
		return nil, nil
	}
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, fmt.Errorf("%q is not a decimal amount", s)
	}
	return v, nil
}

func arg(s string) (svm.Arg, error) {
	switch {
	case strings.HasPrefix(s, "i32:"):
		v, err := strconv.ParseInt(s[4:], 10, 32)
		return svm.I32(v), err
	case strings.HasPrefix(s, "i64:"):
		v, err := strconv.ParseInt(s[4:], 10, 64)
		return svm.I64(v), err
	case strings.HasPrefix(s, "0x"):
		b, err := hexBytes(s)
		return svm.Bytes(b), err
	}
	return nil, fmt.Errorf("argument %q: expected i32:N, i64:N or 0x-hex", s)
}

func args(ss []string) ([]svm.Arg, error) {
	out := make([]svm.Arg, len(ss))
	for i, s := range ss {
		a, err := arg(s)
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

func orDefault(v, d uint64) uint64 {
	if v == 0 {
		return d
	}
	return v
}

func (t txJSON) tx(dir string) (svm.Tx, error) {
	switch {
	case t.Deploy != nil && t.Call == nil:
		d := t.Deploy
		author, err := address(d.Author)
		if err != nil {
			return nil, err
		}
		var code []byte
		switch {
		case d.Wat != "":
			text, err := os.ReadFile(filepath.Join(dir, d.Wat))
			if err != nil {
				return nil, err
			}
			if code, err = svm.WatToWasm(text); err != nil {
				return nil, err
			}
		default:
			if code, err = hexBytes(d.Code); err != nil {
				return nil, err
			}
		}
		balance, err := amount(d.Value)
		if err != nil {
			return nil, err
		}
		return svm.Deploy{Author: author, Nonce: d.Nonce, Code: code, Balance: balance,
			Constructor: d.Ctor, GasLimit: orDefault(d.Gas, 10_000_000)}, nil
	case t.Call != nil && t.Deploy == nil:
		c := t.Call
		contract, err := address(c.Contract)
		if err != nil {
			return nil, err
		}
		sender, err := address(c.Sender)
		if err != nil {
			return nil, err
		}
		a, err := args(c.Args)
		if err != nil {
			return nil, err
		}
		value, err := amount(c.Value)
		if err != nil {
			return nil, err
		}
		return svm.Call{Contract: contract, Sender: sender, Function: c.Function, Args: a,
			GasLimit: orDefault(c.Gas, 1_000_000), Value: value}, nil
	}
	return nil, errors.New(`a transaction is {"deploy": …} or {"call": …}`)
}

func run(dbPath, blocksPath string, out io.Writer) error {
	in, dir := io.Reader(os.Stdin), "."
	if blocksPath != "-" {
		f, err := os.Open(blocksPath)
		if err != nil {
			return err
		}
		defer f.Close()
		in, dir = f, filepath.Dir(blocksPath)
	}
	db, err := svm.Open(dbPath, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	vm, err := svm.NewVM(db, &svm.VMConfig{ArtifactDir: filepath.Join(dbPath, "artifacts")})
	if err != nil {
		return err
	}
	defer vm.Close()

	lines := bufio.NewScanner(in)
	lines.Buffer(make([]byte, 1<<20), 64<<20)
	for n := 1; lines.Scan(); n++ {
		line := strings.TrimSpace(lines.Text())
		if line == "" {
			continue
		}
		var b blockJSON
		if err := json.Unmarshal([]byte(line), &b); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		txs := make([]svm.Tx, len(b.Txs))
		for i, t := range b.Txs {
			if txs[i], err = t.tx(dir); err != nil {
				return fmt.Errorf("line %d, transaction %d: %w", n, i, err)
			}
		}
		res, err := vm.ExecuteBlock(txs, svm.Block{Height: b.Height, Time: b.Time})
		if err != nil {
			return fmt.Errorf("line %d, block %d: %w", n, b.Height, err)
		}
		failed := 0
		for _, r := range res.Receipts {
			if !r.Success {
				failed++
			}
		}
		fmt.Fprintf(out, "block %d: world %s receipts %s (%d transactions, %d failed)\n",
			b.Height, res.WorldRoot, res.ReceiptsRoot, len(res.Receipts), failed)
	}
	return lines.Err()
}

func main() {
	dbPath := flag.String("db", "./svm-node-data", "the state database directory (RocksDB)")
	blocks := flag.String("blocks", "-", "the blocks file, JSON lines (- for stdin)")
	flag.Parse()
	if err := run(*dbPath, *blocks, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o644) }
