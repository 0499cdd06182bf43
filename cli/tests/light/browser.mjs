// Drives headless Chromium over the DevTools protocol: opens a page, waits
// until it sets data-done on <body>, prints what the page shows as JSON on
// stdout and saves a screenshot.
//
//   node browser.mjs <chromium> <url> <screenshot.png>

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [chromium, url, screenshot] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'svm-chromium-'));
const chrome = spawn(chromium, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  `--user-data-dir=${profile}`, '--remote-debugging-pipe', '--window-size=1000,1100',
  'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Stops Chromium, waits until it is gone, removes its profile and exits.
function finish(code) {
  const done = () => {
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
    } catch (e) {
      console.error(`leaving ${profile}: ${e.message}`);
    }
    process.exit(code);
  };
  if (chrome.exitCode !== null || chrome.signalCode !== null) done();
  else {
    chrome.once('exit', done);
    chrome.kill('SIGKILL');
  }
}

let log = '';
chrome.stderr.on('data', (d) => {
  log += d;
});
chrome.on('error', (e) => {
  console.error(`cannot start ${chromium}: ${e.message}`);
  finish(2);
});

// The DevTools protocol over the pipe: JSON messages ended by a NUL byte,
// commands on the child's fd 3, answers and events on its fd 4.
const [, , , toChrome, fromChrome] = chrome.stdio;
let next = 0;
const pending = new Map();
let buffered = '';
fromChrome.on('data', (chunk) => {
  buffered += chunk.toString('utf8');
  let end;
  while ((end = buffered.indexOf('\0')) >= 0) {
    const msg = JSON.parse(buffered.slice(0, end));
    buffered = buffered.slice(end + 1);
    const p = pending.get(msg.id);
    if (!p) continue;
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(`${p.method}: ${JSON.stringify(msg.error)}`));
    else p.resolve(msg.result);
  }
});
function send(method, params = {}, sessionId = undefined) {
  next += 1;
  const id = next;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject, method });
    toChrome.write(`${JSON.stringify({ id, method, params, sessionId })}\0`);
  });
}
const timer = setTimeout(() => {
  console.error(`no answer from chromium in 120 s: ${log}`);
  finish(3);
}, 120000);

try {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  await send('Page.enable', {}, sessionId);
  await send('Page.navigate', { url }, sessionId);
  const read = `JSON.stringify(Object.assign({}, document.body ? document.body.dataset : {},
    Object.fromEntries(['status', 'value', 'number', 'size', 'time', 'refusal', 'wasm-size']
      .map((id) => [id, document.getElementById(id) ? document.getElementById(id).textContent : null]))))`;
  const deadline = Date.now() + 90000;
  let shown = {};
  while (Date.now() < deadline) {
    const r = await send('Runtime.evaluate', { expression: read, returnByValue: true }, sessionId);
    shown = JSON.parse(r.result.value ?? '{}');
    if (shown.done === 'yes') break;
    await sleep(100);
  }
  const shot = await send('Page.captureScreenshot', { format: 'png' }, sessionId);
  writeFileSync(screenshot, Buffer.from(shot.data, 'base64'));
  console.log(JSON.stringify(shown));
  clearTimeout(timer);
  finish(0);
} catch (e) {
  console.error(`${e.message}\n${log}`);
  finish(1);
}
