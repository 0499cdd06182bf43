package svm_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"svm"
)

func contract(t testing.TB, name string) []byte {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("..", "examples", "contracts", name))
	if err != nil {
		t.Fatal(err)
	}
	wasm, err := svm.WatToWasm(text)
	if err != nil {
		t.Fatal(err)
	}
	return wasm
}

var author = svm.Address{19: 0x01, 18: 0x00, 17: 0x0a}

func le(n uint64) []byte {
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, n)
	return b
}

func open(t testing.TB) (*svm.DB, *svm.VM) {
	t.Helper()
	db, err := svm.OpenMemory()
	if err != nil {
		t.Fatal(err)
	}
	vm, err := svm.NewVM(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		vm.Close()
		db.Close()
	})
	return db, vm
}

func deploy(t testing.TB, vm *svm.VM, code []byte, ctor string) svm.Address {
	t.Helper()
	nonce, err := vm.NextNonce(author)
	if err != nil {
		t.Fatal(err)
	}
	r, err := vm.Deploy(svm.Deploy{Author: author, Nonce: nonce, Code: code, Constructor: ctor,
		GasLimit: 10_000_000}, svm.Block{Height: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Success {
		t.Fatalf("deploy failed: %s", r.Error)
	}
	return r.Contract
}

func call(contract svm.Address, fn string, args ...svm.Arg) svm.Call {
	return svm.Call{Contract: contract, Sender: author, Function: fn, Args: args, GasLimit: 1_000_000}
}

func TestCounterEndToEnd(t *testing.T) {
	db, vm := open(t)
	counter := deploy(t, vm, contract(t, "counter.wat"), "")
	r, err := vm.Call(call(counter, "increment", svm.I64(5)), svm.Block{Height: 2})
	if err != nil || !r.Success || r.WorldRoot == nil {
		t.Fatalf("increment: %+v %v", r, err)
	}
	v, err := db.Variable(nil, counter, 0)
	if err != nil || !bytes.Equal(v, le(5)) {
		t.Fatalf("variable: %x %v", v, err)
	}
	// A failing call is a receipt that changed nothing.
	f, err := vm.Call(call(counter, "fail_after_write"), svm.Block{Height: 3})
	if err != nil || f.Success || !strings.Contains(f.Error, "trap") || *f.WorldRoot != *r.WorldRoot {
		t.Fatalf("failing call: %+v %v", f, err)
	}
	g, err := vm.Call(call(counter, "get"), svm.Block{Height: 4})
	if err != nil || !bytes.Equal(g.ReturnData, le(5)) {
		t.Fatalf("get: %+v %v", g, err)
	}
	head, err := db.Head()
	if err != nil || head.Root != *g.WorldRoot || head.Seq != 3 {
		t.Fatalf("head %+v %v", head, err)
	}
	acct, err := db.Account(nil, counter)
	if err != nil {
		t.Fatal(err)
	}
	code, err := db.Code(acct.CodeHash)
	if err != nil || !bytes.Equal(code, contract(t, "counter.wat")) {
		t.Fatalf("code: %v", err)
	}
}

func TestTokenBlockAndReceiptProof(t *testing.T) {
	db, vm := open(t)
	token := deploy(t, vm, contract(t, "token.wat"), "")
	txs := []svm.Tx{call(token, "mint", svm.I32(0), svm.I64(1000))}
	for i := 0; i < 30; i++ {
		txs = append(txs, call(token, "transfer", svm.I32(0), svm.I32(1+int32(i%3)), svm.I64(10)))
	}
	txs = append(txs, call(token, "transfer", svm.I32(7), svm.I32(0), svm.I64(1))) // fails
	res, err := vm.ExecuteBlock(txs, svm.Block{Height: 2, Time: 1_700_000_000})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Receipts) != len(txs) || !res.Receipts[0].Success || res.Receipts[31].Success {
		t.Fatalf("receipts: %+v", res.Receipts)
	}
	info, err := db.Block(2)
	if err != nil || info.WorldRoot != res.WorldRoot || info.ReceiptsRoot != res.ReceiptsRoot || info.Receipts != 32 {
		t.Fatalf("block info %+v %v", info, err)
	}
	bal, err := db.Variable(nil, token, 1) // holders 0..3
	if err != nil || !bytes.Equal(bal[:8], le(700)) || !bytes.Equal(bal[8:16], le(100)) {
		t.Fatalf("balances %x %v", bal, err)
	}
	for _, f := range []svm.Format{svm.Binary, svm.JSON} {
		proof, err := db.ProveReceipt(2, 31, f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := svm.VerifyProof(proof, res.ReceiptsRoot, nil)
		if err != nil || p.Kind != "receipt" {
			t.Fatalf("verify receipt: %+v %v", p, err)
		}
		if _, err := svm.VerifyProof(proof, res.WorldRoot, nil); !errors.Is(err, svm.ErrProofInvalid) {
			t.Fatalf("against the wrong root: %v", err)
		}
	}
	// Over the block gas limit: nothing commits.
	over := call(token, "mint", svm.I32(0), svm.I64(1))
	over.GasLimit = 1 << 62
	if _, err := vm.ExecuteBlock([]svm.Tx{over}, svm.Block{Height: 3}); !errors.Is(err, svm.ErrInvalidTx) {
		t.Fatalf("an invalid block: %v", err)
	}
	if head, _ := db.Head(); head.Root != res.WorldRoot {
		t.Fatal("an invalid block changed the head")
	}
}

func TestProofsVerifiedFromGo(t *testing.T) {
	db, vm := open(t)
	counter := deploy(t, vm, contract(t, "counter.wat"), "")
	if _, err := vm.Call(call(counter, "increment", svm.I64(9)), svm.Block{Height: 2}); err != nil {
		t.Fatal(err)
	}
	head, _ := db.Head()
	for _, f := range []svm.Format{svm.Binary, svm.JSON} {
		proof, err := db.ProveVariable(nil, counter, 0, true, f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := svm.VerifyProof(proof, head.Root, nil)
		if err != nil || p.Kind != "variable" || !bytes.Equal(p.Value, le(9)) {
			t.Fatalf("verify: %+v %v", p, err)
		}
		if _, err := svm.VerifyProof(proof, svm.Hash{1}, nil); !errors.Is(err, svm.ErrProofInvalid) {
			t.Fatalf("wrong root: %v", err)
		}
	}
	// An account that does not exist is proven absent.
	proof, err := db.ProveVariable(nil, svm.Address{7}, 0, false, svm.Binary)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := svm.VerifyProof(proof, head.Root, nil); err != nil || !p.Absent {
		t.Fatalf("absent: %+v %v", p, err)
	}
	// Map elements, present and absent.
	mt := deploy(t, vm, contract(t, "map_token.wat"), "init")
	holder := svm.Address{0x42}
	if r, err := vm.Call(call(mt, "mint", svm.Bytes(holder[:]), svm.I64(42)), svm.Block{Height: 3}); err != nil || !r.Success {
		t.Fatalf("mint %+v %v", r, err)
	}
	if v, err := db.Element(nil, mt, 2, svm.Key(holder[:])); err != nil || !bytes.Equal(v, le(42)) {
		t.Fatalf("element %x %v", v, err)
	}
	if _, err := db.Element(nil, mt, 2, svm.Key([]byte("nobody-has-this-key!"))); !errors.Is(err, svm.ErrNotFound) {
		t.Fatalf("absent element: %v", err)
	}
	head, _ = db.Head()
	proof, err = db.ProveElement(nil, mt, 2, true, svm.JSON, svm.Key(holder[:]))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := svm.VerifyProof(proof, head.Root, nil); err != nil || !bytes.Equal(p.Value, le(42)) {
		t.Fatalf("element proof: %+v %v", p, err)
	}
	if _, err := svm.VerifyProof([]byte("not a proof"), head.Root, nil); !errors.Is(err, svm.ErrInvalidInput) {
		t.Fatalf("garbage: %v", err)
	}
	// Range serving.
	msg, err := db.ServeRange(head.Root, nil, nil, 1<<20)
	if err != nil || len(msg) == 0 {
		t.Fatalf("range: %v", err)
	}
	if _, err := db.ServeRange(svm.Hash{9}, nil, nil, 1<<20); !errors.Is(err, svm.ErrNotFound) {
		t.Fatalf("range of a root not held: %v", err)
	}
}

func TestReopenAfterClose(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "db")
	db, err := svm.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	vm, err := svm.NewVM(db, &svm.VMConfig{ArtifactDir: filepath.Join(dir, "artifacts")})
	if err != nil {
		t.Fatal(err)
	}
	counter := deploy(t, vm, contract(t, "counter.wat"), "")
	if _, err := vm.Call(call(counter, "increment", svm.I64(3)), svm.Block{Height: 2}); err != nil {
		t.Fatal(err)
	}
	before, _ := db.Head()
	if err := vm.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = svm.Open(dir, &svm.Options{NodeCacheBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	after, _ := db.Head()
	if after != before {
		t.Fatalf("head %+v after reopening, %+v before", after, before)
	}
	if v, err := db.Variable(nil, counter, 0); err != nil || !bytes.Equal(v, le(3)) {
		t.Fatalf("variable after reopening: %x %v", v, err)
	}
	// The directory is locked while open; read-only needs no lock but
	// refuses a VM.
	if _, err := svm.Open(dir, nil); !errors.Is(err, svm.ErrNode) {
		t.Fatalf("second writer: %v", err)
	}
	ro, err := svm.Open(dir, &svm.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := svm.NewVM(ro, nil); !errors.Is(err, svm.ErrReadOnly) {
		t.Fatalf("VM on a read-only database: %v", err)
	}
}

func TestErrorPaths(t *testing.T) {
	db, vm := open(t)
	counter := deploy(t, vm, contract(t, "counter.wat"), "")
	cases := []struct {
		name string
		err  error
		want error
	}{}
	add := func(name string, err error, want error) {
		cases = append(cases, struct {
			name string
			err  error
			want error
		}{name, err, want})
	}
	_, err := db.RootAt(99)
	add("root past the head", err, svm.ErrNotFound)
	_, err = db.Block(99)
	add("no block", err, svm.ErrNotFound)
	_, err = db.Variable(&svm.Hash{1}, counter, 0)
	add("unknown root", err, svm.ErrNotFound)
	_, err = db.Variable(nil, counter, 7)
	add("no such variable", err, svm.ErrInvalidInput)
	_, err = db.Account(nil, svm.Address{5})
	add("no account", err, svm.ErrNotFound)
	_, err = db.Code(svm.Hash{5})
	add("no code", err, svm.ErrNotFound)
	_, err = db.ProveVariable(nil, counter, 0, false, svm.Format(9))
	add("bad format", err, svm.ErrInvalidInput)
	_, err = db.ProveReceipt(50, 0, svm.Binary)
	add("no block to prove", err, svm.ErrNotFound)
	big := call(counter, "increment", svm.I64(1))
	big.GasLimit = 1 << 62
	_, err = vm.Call(big, svm.Block{Height: 2})
	add("gas limit over the maximum", err, svm.ErrInvalidTx)
	_, err = vm.Call(svm.Call{Contract: counter, Function: "get", Args: []svm.Arg{nil}, GasLimit: 100000}, svm.Block{})
	add("nil argument", err, svm.ErrInvalidInput)
	_, err = svm.WatToWasm([]byte("(module (func"))
	add("bad text", err, svm.ErrInvalidInput)
	_, err = svm.Open("", nil)
	add("empty path", err, svm.ErrInvalidInput)
	_, err = svm.NewVM(db, &svm.VMConfig{MaxTxGas: 1})
	add("a VM config is accepted", err, nil)
	for _, c := range cases {
		if c.want == nil {
			if c.err != nil {
				t.Errorf("%s: %v", c.name, c.err)
			}
			continue
		}
		var e *svm.Error
		if !errors.Is(c.err, c.want) || !errors.As(c.err, &e) || e.Message == "" {
			t.Errorf("%s: got %v, want %v with a message", c.name, c.err, c.want)
		}
	}
	// Failures that are receipts, not errors.
	r, err := vm.Call(call(counter, "no_such_function"), svm.Block{Height: 2})
	if err != nil || r.Success || !strings.Contains(r.Error, "not found") {
		t.Fatalf("missing function: %+v %v", r, err)
	}
	r, err = vm.Deploy(svm.Deploy{Author: author, Nonce: 1, Code: []byte("\x00asm junk"), GasLimit: 10_000_000}, svm.Block{Height: 2})
	if err != nil || r.Success || !strings.Contains(r.Error, "validation") {
		t.Fatalf("bad module: %+v %v", r, err)
	}
	// Closed handles: every call is ErrBadHandle, and so is a second close.
	vm2, err := svm.NewVM(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := vm2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := vm2.Close(); !errors.Is(err, svm.ErrBadHandle) {
		t.Fatalf("second VM close: %v", err)
	}
	if _, err := vm2.Call(call(counter, "get"), svm.Block{}); !errors.Is(err, svm.ErrBadHandle) {
		t.Fatalf("call on a closed VM: %v", err)
	}
	db2, _ := svm.OpenMemory()
	db2.Close()
	if err := db2.Close(); !errors.Is(err, svm.ErrBadHandle) {
		t.Fatalf("second DB close: %v", err)
	}
	if _, err := db2.Head(); !errors.Is(err, svm.ErrBadHandle) {
		t.Fatalf("head of a closed DB: %v", err)
	}
	if _, err := svm.NewVM(db2, nil); !errors.Is(err, svm.ErrBadHandle) {
		t.Fatalf("VM on a closed DB: %v", err)
	}
}

func TestConcurrentGoroutines(t *testing.T) {
	db, vm := open(t)
	counter := deploy(t, vm, contract(t, "counter.wat"), "")
	// A second VM over the same database: transactions of both serialize.
	vm2, err := svm.NewVM(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer vm2.Close()
	const goroutines, calls = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*calls)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			v := vm
			if g%2 == 1 {
				v = vm2
			}
			for i := 0; i < calls; i++ {
				r, err := v.Call(call(counter, "increment", svm.I64(1)), svm.Block{Height: uint64(2 + i)})
				if err == nil && !r.Success {
					err = errors.New(r.Error)
				}
				if err != nil {
					errs <- err
					return
				}
				if _, err := db.Variable(nil, counter, 0); err != nil {
					errs <- err
					return
				}
				if _, err := db.ProveVariable(nil, counter, 0, false, svm.Binary); err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	v, _ := db.Variable(nil, counter, 0)
	if !bytes.Equal(v, le(goroutines*calls)) {
		t.Fatalf("counter %x, want %d", v, goroutines*calls)
	}
	// Closing the database while goroutines use VMs over it: the handle
	// ends at once (reads through it fail), the VMs keep the database open.
	var wg2 sync.WaitGroup
	started := make(chan struct{})
	for g := 0; g < 2; g++ {
		wg2.Add(1)
		go func(v *svm.VM) {
			defer wg2.Done()
			for i := 0; i < 20; i++ {
				if i == 1 {
					started <- struct{}{}
				}
				if r, err := v.Call(call(counter, "increment", svm.I64(1)), svm.Block{Height: 9}); err != nil || !r.Success {
					t.Errorf("call after the database closed: %+v %v", r, err)
					return
				}
			}
		}([]*svm.VM{vm, vm2}[g])
	}
	<-started
	<-started
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Head(); !errors.Is(err, svm.ErrBadHandle) {
		t.Fatalf("head after close: %v", err)
	}
	wg2.Wait()
	if _, err := svm.NewVM(db, nil); !errors.Is(err, svm.ErrBadHandle) {
		t.Fatalf("a VM over a closed database: %v", err)
	}
}

func rss(t testing.TB) int {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return kb / 1024
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestNoLeaks makes 100,000 calls through the C API (contract calls that
// commit, reads, proofs, verifications and failures) on a database on
// disk: svm holds no buffer or handle afterwards, and resident memory
// grows by less than the caches' bound.
func TestNoLeaks(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 calls")
	}
	h0, b0 := svm.Live()
	dir := t.TempDir()
	db, err := svm.Open(dir, &svm.Options{NodeCacheBytes: 8 << 20, MemoryBudgetMiB: 8})
	if err != nil {
		t.Fatal(err)
	}
	vm, err := svm.NewVM(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	counter := deploy(t, vm, contract(t, "counter.wat"), "")
	round := func(i int) {
		switch i % 4 {
		case 0:
			if _, err := vm.Call(call(counter, "increment", svm.I64(1)), svm.Block{Height: uint64(i)}); err != nil {
				t.Fatal(err)
			}
		case 1:
			if _, err := db.Variable(nil, counter, 0); err != nil {
				t.Fatal(err)
			}
		case 2:
			head, _ := db.Head()
			proof, err := db.ProveVariable(nil, counter, 0, true, svm.Binary)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svm.VerifyProof(proof, head.Root, nil); err != nil {
				t.Fatal(err)
			}
		case 3:
			if _, err := db.Variable(&svm.Hash{1}, counter, 0); err == nil {
				t.Fatal("an unknown root read")
			}
		}
	}
	const warm, total = 10_000, 100_000
	for i := 0; i < warm; i++ {
		round(i)
	}
	runtime.GC()
	start := rss(t)
	for i := warm; i < total; i++ {
		round(i)
	}
	runtime.GC()
	end := rss(t)
	t.Logf("RSS %d MiB after %d calls, %d MiB after %d", start, warm, end, total)
	if end-start > 64 {
		t.Fatalf("RSS grew by %d MiB over %d calls", end-start, total-warm)
	}
	if _, b := svm.Live(); b != b0 {
		t.Fatalf("%d buffers not freed", b-b0)
	}
	vm.Close()
	db.Close()
	if h, b := svm.Live(); h != h0 || b != b0 {
		t.Fatalf("live handles %d, buffers %d after closing; %d, %d before", h, b, h0, b0)
	}
}

// A template spawned into a token, an exchange calling it, and the sale's
// events decoded from the receipt.
func TestTemplatesCallsAndEvents(t *testing.T) {
	db, vm := open(t)
	nonce, _ := vm.NextNonce(author)
	tr, err := vm.Execute(svm.Template{Author: author, Nonce: nonce, Code: contract(t, "map_token.wat"),
		GasLimit: 10_000_000}, svm.Block{Height: 1})
	if err != nil || !tr.Success {
		t.Fatalf("template: %+v %v", tr, err)
	}
	tmpl, err := db.Account(nil, tr.Contract)
	if err != nil {
		t.Fatalf("template account: %v", err)
	}
	sr, err := vm.Execute(svm.Spawn{Author: author, Nonce: nonce + 1, Template: tmpl.CodeHash,
		Constructor: "init", GasLimit: 10_000_000}, svm.Block{Height: 1})
	if err != nil || !sr.Success {
		t.Fatalf("spawn: %+v %v", sr, err)
	}
	token := sr.Contract
	spawned, _ := db.Account(nil, token)
	if spawned.CodeHash != tmpl.CodeHash {
		t.Fatalf("the spawned contract runs other code")
	}
	nonce, _ = vm.NextNonce(author)
	er, err := vm.Deploy(svm.Deploy{Author: author, Nonce: nonce, Code: contract(t, "exchange.wat"),
		Constructor: "init", ConstructorArgs: []svm.Arg{svm.Bytes(token[:]), svm.I64(0)},
		GasLimit: 10_000_000}, svm.Block{Height: 1})
	if err != nil || !er.Success {
		t.Fatalf("exchange: %+v %v", er, err)
	}
	exchange := er.Contract
	res, err := vm.ExecuteBlock([]svm.Tx{
		call(token, "mint", svm.Bytes(exchange[:]), svm.I64(100)),
		call(exchange, "buy", svm.I64(10)),
	}, svm.Block{Height: 2})
	if err != nil || !res.Receipts[0].Success || !res.Receipts[1].Success {
		t.Fatalf("block: %+v %v", res, err)
	}
	evs := res.Receipts[1].Events
	if len(evs) != 2 || evs[0].Contract != token || evs[1].Contract != exchange {
		t.Fatalf("events: %+v", evs)
	}
	sale := evs[1]
	if len(sale.Topics) != 2 || !bytes.HasPrefix(sale.Topics[0][:], []byte("svm.exchange.Bought")) ||
		!bytes.Equal(sale.Topics[1][12:], author[:]) || !bytes.Equal(sale.Data, le(10)) || sale.TTL != 1000 {
		t.Fatalf("sale event: %+v", sale)
	}
	// Calling the template itself is refused.
	r, err := vm.Call(call(tr.Contract, "total_supply"), svm.Block{Height: 3})
	if err != nil || r.Success || r.Status != 6 {
		t.Fatalf("template called: %+v %v", r, err)
	}
}

// A database keeping 2 roots prunes older ones (ErrNotFound when read);
// the metrics count the commits, runs, compilation and pruning.
func TestPruningAndMetrics(t *testing.T) {
	dir := t.TempDir()
	db, err := svm.Open(dir, &svm.Options{Keep: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	vm, err := svm.NewVM(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	counter := deploy(t, vm, contract(t, "counter.wat"), "")
	var roots []svm.Hash
	for i := uint64(0); i < 5; i++ {
		r, err := vm.Call(call(counter, "increment", svm.I64(1)), svm.Block{Height: 2 + i})
		if err != nil || !r.Success {
			t.Fatalf("increment: %+v %v", r, err)
		}
		roots = append(roots, *r.WorldRoot)
	}
	if _, err := db.Variable(&roots[0], counter, 0); !errors.Is(err, svm.ErrNotFound) {
		t.Fatalf("a pruned root: %v", err)
	}
	if v, err := db.Variable(&roots[4], counter, 0); err != nil || !bytes.Equal(v, le(5)) {
		t.Fatalf("the head: %x %v", v, err)
	}
	m, err := vm.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	if m.State.Commits != 6 || m.State.Head != 6 || m.State.KeptFrom != 5 ||
		m.State.NodesDeleted == 0 || m.State.NodesWritten == 0 {
		t.Fatalf("state metrics: %+v", m.State)
	}
	if m.Phases.Runs != 5 || m.Phases.Commits != 6 || m.Phases.ExecuteNs == 0 || m.Modules.Compiles != 1 {
		t.Fatalf("VM metrics: %+v %+v", m.Phases, m.Modules)
	}
	s, err := db.Metrics()
	if err != nil || s.Commits != 6 {
		t.Fatalf("db metrics: %+v %v", s, err)
	}
	if _, err := svm.Open(t.TempDir(), &svm.Options{Keep: 3, Archive: true}); !errors.Is(err, svm.ErrInvalidInput) {
		t.Fatalf("keep and archive: %v", err)
	}
}

func TestTieringOption(t *testing.T) {
	db, err := svm.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	off := false
	vm, err := svm.NewVM(db, &svm.VMConfig{Tiering: &off})
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	counter := deploy(t, vm, contract(t, "counter.wat"), "")
	for i := uint64(0); i < 3; i++ {
		r, err := vm.Call(call(counter, "increment", svm.I64(1)), svm.Block{Height: 2 + i})
		if err != nil || !r.Success {
			t.Fatalf("increment: %+v %v", r, err)
		}
	}
	m, err := vm.Metrics()
	if err != nil {
		t.Fatal(err)
	}
	if m.Modules.MemoryHits != 3 || m.Modules.TierUps != 0 || m.Modules.OptimizedCalls != 0 {
		t.Fatalf("module metrics: %+v", m.Modules)
	}
}
