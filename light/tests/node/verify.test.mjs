// The JavaScript bindings of svm-verify under Node.js: the vectors the Rust
// side made (light/tests/vectors.json) give the same answers and the same
// refusals here; every byte of every binary proof, flipped, is refused or
// proves the same; the JSON form is read as text, object or bytes; bad
// arguments throw clear errors. SVM_LIGHT_DIR holds the files /light
// serves, SVM_VECTORS is the vectors file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.env.SVM_LIGHT_DIR;
const svm = await import(pathToFileURL(join(dir, 'svm-verify.js')).href);
svm.initSync({ module: readFileSync(join(dir, 'svm_verify_bg.wasm')) });
const { vectors } = JSON.parse(readFileSync(process.env.SVM_VECTORS, 'utf8'));

const byKind = {
  variable: svm.verifyVariable,
  multi: svm.verifyMulti,
  element: svm.verifyElement,
  elements: svm.verifyElements,
  range: svm.verifyRange,
  receipt: svm.verifyReceipt,
  any: svm.verifyProof,
};

function bytesOf(hex) {
  const digits = hex.slice(2);
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const proofOf = (v) => (v.form === 'binary' ? bytesOf(v.proof) : v.proof);

test('there are vectors of every kind and form, answers and refusals', () => {
  for (const kind of Object.keys(byKind)) {
    assert.ok(vectors.some((v) => v.kind === kind), kind);
  }
  assert.ok(vectors.some((v) => v.form === 'json' && v.expect));
  assert.ok(vectors.filter((v) => v.error).length >= 10);
});

for (const v of vectors) {
  test(v.name, () => {
    const run = () => byKind[v.kind](proofOf(v), v.root, v.options);
    if (v.error !== undefined) {
      assert.throws(run, (e) => {
        assert.ok(e instanceof Error, 'an Error');
        assert.equal(e.message, v.error);
        return true;
      });
    } else {
      assert.deepEqual(run(), v.expect);
    }
  });
}

// The question an answer answers: the answer without what it proves.
const proved = new Set(['value', 'absent', 'account', 'placement', 'members', 'length', 'accountExists']);
function questionOf(answer) {
  const q = {};
  for (const [k, v] of Object.entries(answer)) {
    if (k === 'values') q.values = v.map(questionOf);
    else if (!proved.has(k)) q[k] = v;
  }
  return q;
}

test('every flipped byte of a binary proof is refused or, for the same question, proves the same', () => {
  let refused = 0;
  let flips = 0;
  for (const v of vectors.filter((x) => x.form === 'binary' && x.expect)) {
    const bytes = bytesOf(v.proof);
    for (let i = 0; i < bytes.length; i++) {
      const spoiled = bytes.slice();
      spoiled[i] ^= 0x01;
      flips += 1;
      let answer;
      try {
        answer = byKind[v.kind](spoiled, v.root, v.options);
      } catch (e) {
        assert.ok(e instanceof Error && e.message.length > 0, `${v.name}, byte ${i}`);
        refused += 1;
        continue;
      }
      // A flip in the question (a variable's index, say) may ask another
      // question the same nodes answer; the same question, never another answer.
      if (JSON.stringify(questionOf(answer)) === JSON.stringify(questionOf(v.expect))) {
        assert.deepEqual(answer, v.expect, `${v.name}: byte ${i} flipped proves something else`);
      }
    }
  }
  assert.ok(flips > 1000 && refused / flips > 0.9, `${refused} of ${flips} refused`);
});

test('the JSON form is read as text, as an object and as bytes alike', () => {
  for (const v of vectors.filter((x) => x.form === 'json' && x.expect)) {
    const text = JSON.stringify(v.proof);
    const f = byKind[v.kind];
    assert.deepEqual(f(text, v.root, v.options), v.expect, v.name);
    assert.deepEqual(f(new TextEncoder().encode(text), v.root, v.options), v.expect, v.name);
  }
});

test('the root may be bytes; a root that is not 32 bytes of hex is refused', () => {
  const v = vectors.find((x) => x.kind === 'variable' && x.form === 'binary' && x.expect);
  assert.deepEqual(svm.verifyVariable(bytesOf(v.proof), bytesOf(v.root)), v.expect);
  assert.throws(() => svm.verifyVariable(bytesOf(v.proof), 'zz'), /root: not hex/);
  assert.throws(() => svm.verifyVariable(bytesOf(v.proof), 42), TypeError);
  assert.throws(() => svm.verifyVariable(42, v.root), TypeError);
  assert.throws(() => svm.verifyVariable(bytesOf(v.proof), v.root, 'x'), TypeError);
  assert.throws(() => svm.verifyVariable(bytesOf(v.proof), v.root, { variable: -1 }), /variable: not a whole number/);
});

test('a layout given as bytes counts as its hex', () => {
  const v = vectors.find((x) => x.options && x.options.layout);
  const layout = bytesOf(v.options.layout);
  assert.deepEqual(svm.verifyVariable(bytesOf(v.proof), v.root, { layout }), v.expect);
});
