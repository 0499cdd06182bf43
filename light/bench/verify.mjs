// Times the JavaScript bindings (WebAssembly in V8, the engine Chromium
// runs) on every vector that verifies: per vector the median over five
// batches of at least 100 ms of the time one verification takes. Prints
// JSON: [{ name, kind, bytes, micros }].
//
//   SVM_LIGHT_DIR=<the files /light serves> node verify.mjs <vectors.json>

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const dir = process.env.SVM_LIGHT_DIR;
const svm = await import(pathToFileURL(join(dir, 'svm-verify.js')).href);
svm.initSync({ module: readFileSync(join(dir, 'svm_verify_bg.wasm')) });
const { vectors } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
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

const rows = [];
for (const v of vectors.filter((x) => x.expect)) {
  const proof = v.form === 'binary' ? bytesOf(v.proof) : JSON.stringify(v.proof);
  const f = () => byKind[v.kind](proof, v.root, v.options);
  for (let i = 0; i < 200; i++) f();
  const per = [];
  for (let batch = 0; batch < 5; batch++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < 100) {
      f();
      n += 1;
      t = performance.now();
    }
    per.push(((t - t0) * 1000) / n);
  }
  per.sort((a, b) => a - b);
  const bytes = typeof proof === 'string' ? Buffer.byteLength(proof) : proof.length;
  rows.push({ name: v.name, kind: v.kind, form: v.form, bytes, micros: per[2] });
}
console.log(JSON.stringify(rows));
