package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// The example blocks run, and two nodes running them from empty databases
// print the same roots.
func TestBlocksGiveTheSameRootsOnTwoNodes(t *testing.T) {
	var outs []string
	for i := 0; i < 2; i++ {
		var out bytes.Buffer
		if err := run(filepath.Join(t.TempDir(), "db"), "blocks.jsonl", &out); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out.String())
	}
	lines := strings.Split(strings.TrimSpace(outs[0]), "\n")
	if len(lines) != 3 || !strings.HasSuffix(lines[2], "(3 transactions, 1 failed)") {
		t.Fatalf("output:\n%s", outs[0])
	}
	if outs[0] != outs[1] {
		t.Fatalf("two nodes disagree:\n%s\n%s", outs[0], outs[1])
	}
}

func TestABadLineIsNamed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := writeFile(path, "{\"height\": 1, \"txs\": [{\"call\": {\"contract\": \"0x12\"}}]}\n"); err != nil {
		t.Fatal(err)
	}
	err := run(filepath.Join(t.TempDir(), "db"), path, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "line 1, transaction 0") {
		t.Fatalf("error: %v", err)
	}
}
