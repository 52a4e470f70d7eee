// cdp.mjs - a small driver for headless Chromium over the DevTools protocol, spoken on a pipe
// (--remote-debugging-pipe: Chromium reads commands on fd 3 and writes answers and events on
// fd 4, each a JSON text ended by a NUL). No npm package, no downloaded browser: Debian's
// chromium and node's standard library only.
//
// Waits are conditions polled until true (waitFor), never fixed sleeps, and every wait has a
// limit, so a slow machine makes a test slower, not flaky; a limit that runs out is a failure
// naming what was awaited.

import {spawn} from 'node:child_process';
import {writeFileSync} from 'node:fs';

export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-default-browser-check', '--disable-extensions', '--disable-dev-shm-usage',
  '--password-store=basic', '--use-mock-keychain', '--mute-audio', '--hide-scrollbars',
  '--remote-debugging-pipe',
];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// Under valgrind (make check) the server runs ~20x slower: waits stretch by RL_SLOW.
const WAIT_MS = 30000 * (Number(process.env.RL_SLOW) || 1);

export class Browser {
  // Starts chromium (exe) with a fresh profile directory.
  static async launch(exe, profileDir, {width = 1366, height = 900} = {}) {
    const args = [...CHROMIUM_FLAGS, `--user-data-dir=${profileDir}`,
      `--window-size=${width},${height}`, 'about:blank'];
    const proc = spawn(exe, args, {stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe']});
    const b = new Browser(proc);
    b.width = width;
    b.height = height;
    await b.send('Target.setDiscoverTargets', {discover: true});
    return b;
  }

  constructor(proc) {
    this.proc = proc;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = [];
    this.stderr = '';
    this.exited = false;
    let buf = Buffer.alloc(0);
    proc.stdio[4].on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      let nul;
      while ((nul = buf.indexOf(0)) >= 0) {
        const text = buf.subarray(0, nul).toString('utf8');
        buf = buf.subarray(nul + 1);
        this.dispatch(JSON.parse(text));
      }
    });
    proc.stderr.on('data', (d) => {
      this.stderr = (this.stderr + d.toString()).slice(-20000);
    });
    proc.stdout.on('data', () => {});
    proc.on('exit', (code, signal) => {
      this.exited = true;
      for (const {reject} of this.pending.values()) {
        reject(new Error(`chromium exited (${code ?? signal}): ${this.stderr.slice(-500)}`));
      }
      this.pending.clear();
    });
    proc.stdio[3].on('error', () => {});
  }

  dispatch(msg) {
    if (msg.id !== undefined && this.pending.has(msg.id)) {
      const {resolve, reject, method} = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.error) reject(new Error(`${method}: ${msg.error.message} ${msg.error.data ?? ''}`));
      else resolve(msg.result);
      return;
    }
    for (const l of this.listeners) l(msg);
  }

  send(method, params = {}, sessionId) {
    if (this.exited) return Promise.reject(new Error('chromium is not running'));
    const id = this.nextId++;
    const msg = {id, method, params};
    if (sessionId) msg.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {resolve, reject, method});
      this.proc.stdio[3].write(JSON.stringify(msg) + '\0');
    });
  }

  on(fn) {
    this.listeners.push(fn);
  }

  async newPage() {
    const {targetId} = await this.send('Target.createTarget', {url: 'about:blank'});
    const {sessionId} = await this.send('Target.attachToTarget', {targetId, flatten: true});
    const page = new Page(this, sessionId, targetId);
    await page.init();
    return page;
  }

  async close() {
    if (this.exited) return;
    const gone = new Promise((r) => this.proc.once('exit', r));
    this.send('Browser.close').catch(() => {});
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
    await gone;
    clearTimeout(timer);
  }
}

export class Page {
  constructor(browser, sessionId, targetId) {
    this.b = browser;
    this.sessionId = sessionId;
    this.targetId = targetId;
    this.console = [];    // console messages of the page, as text
    this.exceptions = []; // uncaught exceptions
    this.requests = [];   // every URL the page requested
    this.dialogs = 0;     // alert/confirm/prompt opened (none should be)
    browser.on((msg) => {
      if (msg.sessionId !== sessionId) return;
      const p = msg.params;
      if (msg.method === 'Runtime.consoleAPICalled') {
        this.console.push(`${p.type}: ${p.args.map((a) => a.value ?? a.description ?? '').join(' ')}`);
      } else if (msg.method === 'Runtime.exceptionThrown') {
        const d = p.exceptionDetails;
        this.exceptions.push(`${d.text} ${d.exception?.description ?? ''}`.trim());
      } else if (msg.method === 'Log.entryAdded') {
        this.console.push(`${p.entry.level}: ${p.entry.text}`);
      } else if (msg.method === 'Network.requestWillBeSent') {
        this.requests.push({url: p.request.url, headers: p.request.headers});
      } else if (msg.method === 'Page.javascriptDialogOpening') {
        this.dialogs++;
        this.send('Page.handleJavaScriptDialog', {accept: false}).catch(() => {});
      }
    });
  }

  send(method, params) {
    return this.b.send(method, params, this.sessionId);
  }

  async init() {
    await this.send('Page.enable');
    await this.send('Runtime.enable');
    await this.send('Log.enable');
    await this.send('Network.enable');
    await this.send('Emulation.setDeviceMetricsOverride', {width: this.b.width,
      height: this.b.height, deviceScaleFactor: 1, mobile: false});
  }

  async setViewport(width, height) {
    await this.send('Emulation.setDeviceMetricsOverride', {width, height, deviceScaleFactor: 1,
      mobile: false});
  }

  // The value of expr in the page (promises awaited); a thrown error rejects.
  async eval(expr) {
    const r = await this.send('Runtime.evaluate', {expression: expr, awaitPromise: true,
      returnByValue: true, userGesture: true});
    if (r.exceptionDetails) {
      const d = r.exceptionDetails;
      throw new Error(`in page: ${d.exception?.description ?? d.text}`);
    }
    return r.result.value;
  }

  // Polls expr until it is truthy; returns its value. what names the wait in a timeout.
  async waitFor(expr, what, timeoutMs = WAIT_MS) {
    const end = Date.now() + timeoutMs;
    let last;
    for (;;) {
      try {
        last = await this.eval(expr);
        if (last) return last;
      } catch (e) {
        last = e.message;
      }
      if (Date.now() > end) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what || expr}` +
          (typeof last === 'string' && last ? ` (last: ${last.slice(0, 200)})` : ''));
      }
      await sleep(50);
    }
  }

  // Loads url; waits for the new document (the old one is marked, so its own "complete" state
  // cannot be mistaken for the new one's).
  async goto(url) {
    await this.eval('window.__cdpOldDocument = true').catch(() => {});
    await this.send('Page.navigate', {url});
    await this.waitFor('!window.__cdpOldDocument && document.readyState === "complete"',
      `${url} to load`);
  }

  // Waits for a visible, enabled element and clicks it.
  async click(sel) {
    const s = JSON.stringify(sel);
    await this.waitFor(`(() => { const e = document.querySelector(${s});
      return e && !e.disabled && e.getClientRects().length > 0; })()`, `${sel} to be clickable`);
    await this.eval(`document.querySelector(${s}).click()`);
  }

  // Focuses sel, selects its text and types text over it (as a keyboard would, input events).
  async type(sel, text) {
    const s = JSON.stringify(sel);
    await this.waitFor(`!!document.querySelector(${s})`, `${sel} to exist`);
    await this.eval(`(() => { const e = document.querySelector(${s}); e.focus();
      if (e.select) e.select(); })()`);
    await this.send('Input.insertText', {text});
  }

  // Sets a <select>'s value and fires its change event.
  async choose(sel, value) {
    const s = JSON.stringify(sel);
    await this.waitFor(`!!document.querySelector(${s})`, `${sel} to exist`);
    await this.eval(`(() => { const e = document.querySelector(${s}); e.value = ${JSON.stringify(value)};
      e.dispatchEvent(new Event('input', {bubbles: true}));
      e.dispatchEvent(new Event('change', {bubbles: true})); })()`);
  }

  // A key press; modifiers: {ctrl, shift, alt, meta}.
  async key(key, mods = {}) {
    const codes = {Enter: 13, Escape: 27, Tab: 9, ArrowDown: 40, ArrowUp: 38, ' ': 32};
    const modifiers = (mods.alt ? 1 : 0) | (mods.ctrl ? 2 : 0) | (mods.meta ? 4 : 0) |
      (mods.shift ? 8 : 0);
    const base = {key, code: key === ' ' ? 'Space' : key, modifiers,
      windowsVirtualKeyCode: codes[key] ?? key.toUpperCase().charCodeAt(0)};
    await this.send('Input.dispatchKeyEvent', {type: 'rawKeyDown', ...base});
    await this.send('Input.dispatchKeyEvent', {type: 'keyUp', ...base});
  }

  async text(sel) {
    return this.eval(`(document.querySelector(${JSON.stringify(sel)}) || {}).textContent ?? null`);
  }

  async screenshot(path) {
    const {data} = await this.send('Page.captureScreenshot', {format: 'png'});
    writeFileSync(path, Buffer.from(data, 'base64'));
  }
}
