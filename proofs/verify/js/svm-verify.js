// svm-verify for JavaScript: checks svm state proofs in a web page or in
// Node.js with nothing but a root the caller trusts. The proofs come from
// wherever the caller fetched them (this module does no networking).
//
//   import { init, verifyVariable } from './svm-verify.js';
//   await init();                      // in a page; Node.js: initSync({ module: bytes })
//   const r = verifyVariable(proofBytes, trustedRoot, { contract, variable });
//   // r.value ("0x…") or r.absent === true; a refusal throws an Error.
//
// proof:   a Uint8Array or ArrayBuffer (the binary form), or the JSON form
//          as a string or an object.
// root:    the trusted world root (a receipts root for receipt proofs), as
//          0x hex or a Uint8Array of 32 bytes.
// options: the question the proof must answer — contract, variable, path
//          (list indices as numbers, keys as 0x hex), from, to, index — and
//          the layouts the caller has for proofs made without code: layout,
//          or layouts ({ "0x<contract>": layout }) for multiproofs. Byte
//          strings as 0x hex or Uint8Array.

import init, { initSync, verify } from './svm_verify.js';

export { init, initSync };

const encoder = new TextEncoder();

/** Bytes as 0x hex. */
export function toHex(bytes) {
  let s = '0x';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function proofBytes(proof) {
  if (proof instanceof Uint8Array) return proof;
  if (proof instanceof ArrayBuffer) return new Uint8Array(proof);
  if (typeof proof === 'string') return encoder.encode(proof);
  if (proof !== null && typeof proof === 'object') return encoder.encode(JSON.stringify(proof));
  throw new TypeError('proof: a Uint8Array or ArrayBuffer (binary), or a JSON string or object');
}

function rootHex(root) {
  if (root instanceof Uint8Array) return toHex(root);
  if (typeof root === 'string') return root;
  throw new TypeError('root: the root you trust, as 0x hex or a Uint8Array of 32 bytes');
}

function optionsJson(options) {
  if (options === undefined || options === null) return '';
  if (typeof options !== 'object') throw new TypeError('options: an object');
  return JSON.stringify(options, (_, v) => (v instanceof Uint8Array ? toHex(v) : v));
}

function call(kind, proof, root, options) {
  return JSON.parse(verify(kind, proofBytes(proof), rootHex(root), optionsJson(options)));
}

/** One contract variable: { value, account, placement } or { absent: true }. */
export function verifyVariable(proof, root, options) {
  return call('variable', proof, root, options);
}

/** Many variables: { values: [ { contract, variable, value | absent } ] }. */
export function verifyMulti(proof, root, options) {
  return call('multi', proof, root, options);
}

/** One element of a structure: { value } (bytes, { structure }, "member") or { absent: true }. */
export function verifyElement(proof, root, options) {
  return call('element', proof, root, options);
}

/** Many elements: { values: [ element… ] }. */
export function verifyElements(proof, root, options) {
  return call('elements', proof, root, options);
}

/** A range of a sorted set: { members, length } or { absent: true }. */
export function verifyRange(proof, root, options) {
  return call('range', proof, root, options);
}

/** One receipt against its block's receipts root: { value } or { absent: true }. */
export function verifyReceipt(proof, receiptsRoot, options) {
  return call('receipt', proof, receiptsRoot, options);
}

/** A proof of any kind; the answer's `kind` says which. */
export function verifyProof(proof, root, options) {
  return call('any', proof, root, options);
}
