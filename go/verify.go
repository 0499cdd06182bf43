package svm

/*
#include "svm.h"
*/
import "C"

import (
	"encoding/hex"
	"encoding/json"
	"runtime"
	"strings"
)

// Proven is what a verified proof proves.
type Proven struct {
	// Kind: "variable", "variables" (a multiproof), "element", "elements",
	// "range" or "receipt"; see JSON for the answers of several.
	Kind string
	// Value of a variable or a list/map element (nil when Absent).
	Value []byte
	// Absent: no account (a variable proof) or no element.
	Absent bool
	// JSON is the whole answer (FORMATS.md, "C API encodings").
	JSON json.RawMessage
}

// VerifyProof verifies a proof (binary or JSON) against the root the
// caller trusts (a world root; a receipts root for receipt proofs). layout
// (nil if unknown) is the contract's layout section. Needs no database. A
// proof that does not verify is ErrProofInvalid.
func VerifyProof(proof []byte, trustedRoot Hash, layout []byte) (Proven, error) {
	var out, errb C.SvmBuffer
	s := C.svm_verify_proof(view(proof), view(trustedRoot[:]), view(layout), &out, &errb)
	runtime.KeepAlive(proof)
	runtime.KeepAlive(layout)
	if err := check(s, &errb); err != nil {
		return Proven{}, err
	}
	raw := take(&out)
	var doc struct {
		Kind  string          `json:"kind"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return Proven{}, &Error{Status: StatusNode, Message: "the library's answer is not JSON: " + err.Error()}
	}
	p := Proven{Kind: doc.Kind, JSON: raw}
	switch doc.Kind {
	case "variable", "element":
		var v interface{}
		if err := json.Unmarshal(doc.Value, &v); err != nil {
			return Proven{}, &Error{Status: StatusNode, Message: err.Error()}
		}
		var text string
		switch x := v.(type) {
		case nil:
			p.Absent = true
		case string: // a variable's bytes; "member" for a set member
			if doc.Kind == "variable" {
				text = x
			}
		case map[string]interface{}: // {"bytes": …} or {"structure": …}
			text, _ = x["bytes"].(string)
		}
		if text != "" {
			b, err := hex.DecodeString(strings.TrimPrefix(text, "0x"))
			if err != nil {
				return Proven{}, &Error{Status: StatusNode, Message: err.Error()}
			}
			p.Value = b
		}
	}
	return p, nil
}
