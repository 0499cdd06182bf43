// The light-client page: fetch a proof from the node that served the page,
// verify it in the browser against a root the user trusts, show what it
// proves, how big it is and how long verifying took; spoil a byte to see
// the verifier refuse. With ?auto=1 it runs by itself from the query
// (root, contract, variable, keys; no root: the node's head), for tests.

import { init, verifyVariable, verifyElement } from './svm-verify.js';

const $ = (id) => document.getElementById(id);
const body = document.body;
let last = null;

function show(id, text, cls) {
  const el = $(id);
  el.textContent = text;
  el.className = cls ?? '';
}

async function nodeHead() {
  const r = await fetch('/v1/head');
  if (!r.ok) throw new Error(`the node's head: HTTP ${r.status}`);
  return (await r.json()).root;
}

function keysOf(text) {
  return text.split(',').map((k) => k.trim()).filter((k) => k !== '');
}

async function fetchProof(root, contract, variable, keys) {
  const q = new URLSearchParams({ root, contract, variable: String(variable), format: 'binary' });
  let path = '/v1/proof/variable';
  if (keys.length > 0) {
    path = '/v1/proof/element';
    for (const k of keys) q.append('key', k);
  }
  const r = await fetch(`${path}?${q}`);
  if (!r.ok) {
    const why = await r.json().then((j) => j.error, () => r.statusText);
    throw new Error(`the node refused: HTTP ${r.status}: ${why}`);
  }
  return new Uint8Array(await r.arrayBuffer());
}

function verifyOnce(q, bytes) {
  const question = { contract: q.contract, variable: q.variable };
  if (q.keys.length > 0) {
    question.path = q.keys.map((k) => (k.startsWith('0x') ? k : Number(k)));
    return verifyElement(bytes, q.root, question);
  }
  return verifyVariable(bytes, q.root, question);
}

// Browsers coarsen performance.now(); time batches of at least 20 ms and
// take the median of five batches' time per verification.
function timeOf(fn) {
  const per = [];
  for (let batch = 0; batch < 5; batch++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < 20) {
      fn();
      n += 1;
      t = performance.now();
    }
    per.push((t - t0) / n);
  }
  per.sort((a, b) => a - b);
  return per[2];
}

// A little-endian unsigned integer (svm-sdk stores values little-endian).
function leNumber(hex) {
  const digits = hex.slice(2);
  let n = 0n;
  for (let i = digits.length - 2; i >= 0; i -= 2) n = (n << 8n) | BigInt(parseInt(digits.slice(i, i + 2), 16));
  return n.toString();
}

function showAnswer(a) {
  if (a.absent) {
    show('value', a.accountExists === false || a.kind === 'variable'
      ? 'absent: no account at this address' : 'absent: no such element', 'ok');
    show('number', '');
  } else if (typeof a.value === 'string') {
    show('value', a.value, 'ok');
    show('number', a.value.length <= 2 + 32 ? leNumber(a.value) : '(longer than 16 bytes)');
  } else {
    show('value', JSON.stringify(a.value), 'ok');
    show('number', '');
  }
  show('account', a.account
    ? `nonce ${a.account.nonce}, balance ${a.account.balance}, storage ${a.account.storageHash}`
    : '');
}

async function run(q) {
  body.dataset.state = 'working';
  body.dataset.spoiled = '';
  show('status', 'fetching the proof…');
  show('refusal', '');
  $('spoil').disabled = true;
  try {
    const bytes = await fetchProof(q.root, q.contract, q.variable, q.keys);
    show('size', `${bytes.length} bytes (binary)`);
    let answer;
    try {
      answer = verifyOnce(q, bytes);
    } catch (e) {
      show('status', `refused: ${e.message}`, 'bad');
      body.dataset.state = 'refused';
      return;
    }
    last = { q, bytes };
    showAnswer(answer);
    const ms = timeOf(() => verifyOnce(q, bytes));
    show('time', `${(ms * 1000).toFixed(1)} µs (median of 5 batches)`);
    show('status', 'verified against the trusted root', 'ok');
    body.dataset.state = 'verified';
    body.dataset.micros = (ms * 1000).toFixed(1);
    $('spoil').disabled = false;
  } catch (e) {
    show('status', `error: ${e.message}`, 'bad');
    body.dataset.state = 'error';
  }
}

function spoil() {
  if (!last) return;
  const bytes = last.bytes.slice();
  const asked = $('spoil-at').value;
  const at = asked === '' ? bytes.length - 1 : Math.min(Number(asked), bytes.length - 1);
  bytes[at] ^= 0xff;
  try {
    const a = verifyOnce(last.q, bytes);
    show('refusal', `accepted: byte ${at} changed nothing the proof proves (${JSON.stringify(a.value ?? 'absent')})`);
    body.dataset.spoiled = 'accepted';
  } catch (e) {
    show('refusal', `refused (byte ${at} flipped): ${e.message}`, 'bad');
    body.dataset.spoiled = 'refused';
  }
}

function question() {
  return {
    root: $('root').value.trim(),
    contract: $('contract').value.trim(),
    variable: Number($('variable').value),
    keys: keysOf($('keys').value),
  };
}

async function main() {
  await init();
  const size = (await fetch('/light/svm_verify_bg.wasm', { method: 'HEAD' })).headers.get('content-length');
  $('wasm-size').textContent = size ? `${(Number(size) / 1024).toFixed(0)} KiB` : 'loaded';
  $('head').addEventListener('click', async () => {
    try {
      $('root').value = await nodeHead();
    } catch (e) {
      show('status', `error: ${e.message}`, 'bad');
    }
  });
  $('ask').addEventListener('submit', (ev) => {
    ev.preventDefault();
    run(question());
  });
  $('spoil').addEventListener('click', spoil);

  const params = new URLSearchParams(location.search);
  for (const k of ['root', 'contract', 'variable', 'keys']) {
    if (params.has(k)) $(k).value = params.get(k);
  }
  if (params.get('auto') === '1') {
    if ($('root').value === '') $('root').value = await nodeHead();
    await run(question());
    if (body.dataset.state === 'verified') spoil();
    body.dataset.done = 'yes';
  }
}

main().catch((e) => {
  show('status', `error: ${e.message}`, 'bad');
  body.dataset.state = 'error';
  body.dataset.done = 'yes';
});
