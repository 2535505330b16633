/* The small core every page script builds on: the agent desk, the live monitor, the
 * reports page, and the web chat widget (channels/webchat/widget_bundle.py bundles this
 * file into /widget.js; keep it inside the bundler's module syntax, docs/protocol.md).
 *
 *   el(tag, attrs, ...children)  one element builder; text only through textContent
 *   elapsed(seconds), onTick(fn) one clock: m:ss figures and one ticker for the page, which
 *                                also keeps every [data-since] element's elapsed time current
 *   ReconnectingSocket           one websocket that says hello, reconnects with jittered
 *                                back-off and drops a connection that went quiet
 *   channels(t)                  the channels this hub has, as the server lists them
 *
 * No UI strings of its own except the channel fallback, which the caller's t() translates.
 */

// -- elements -------------------------------------------------------------------------

/** el('div', {class: 'x', testid: 'y', on: {click: fn}}, child, 'text', ...)
 *
 * `text` sets textContent, `testid` data-testid, `dataset` data-*, `on` listeners and
 * `style` the inline style; a non-string value for a property the element has (hidden,
 * disabled, onclick, value) is set as that property; the rest become attributes.
 * null, undefined and false are skipped, for attributes and children alike.
 */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'testid') node.dataset.testid = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'on') for (const [type, listener] of Object.entries(value)) node.addEventListener(type, listener);
    else if (key === 'style') node.style.cssText = value;
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  return append(node, children);
}

/** Append children (nested arrays flattened); strings become text nodes, never markup. */
export function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** Replace a node's children; null and false children are skipped (native append would print them). */
export function fill(node, ...children) {
  return append(clear(node), children);
}

// -- the clock ----------------------------------------------------------------------------

/** Server times are ISO strings; SQLite may drop the zone, and those are UTC. */
export function parseTime(iso) {
  if (!iso) return null;
  const hasZone = /([zZ]|[+-]\d\d:?\d\d)$/.test(iso);
  const d = new Date(hasZone ? iso : iso + 'Z');
  return Number.isNaN(d.getTime()) ? null : d;
}

/** 0:42, 3:05, 1:02:10 — a column of these never changes width from one second to the next. */
export function elapsed(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

const TICK_MS = 250;
const tickers = new Set();
let tickTimer = null;
let serverSkewMs = 0; // server clock minus browser clock

/** Now by the server's clock, once setServerTime() has heard it (the browser's may be off). */
export const serverNow = () => Date.now() + serverSkewMs;

export function setServerTime(iso) {
  const at = Date.parse(iso);
  if (Number.isFinite(at)) serverSkewMs = at - Date.now();
}

/** Seconds since an ISO time, by the server's clock; null when there is no time. */
export function secondsSince(iso) {
  const start = parseTime(iso);
  return start ? (serverNow() - start.getTime()) / 1000 : null;
}

/** One ticker for the whole page: fn(now) runs every TICK_MS. Returns a function that stops it. */
export function onTick(fn) {
  tickers.add(fn);
  if (!tickTimer) {
    tickTimer = setInterval(() => {
      const now = Date.now();
      for (const tick of tickers) tick(now);
    }, TICK_MS);
  }
  return () => tickers.delete(fn);
}

/** Elements with data-since (an ISO time) show the time elapsed since then, kept current. */
export function refreshElapsed(root = document) {
  for (const node of root.querySelectorAll('[data-since]')) {
    const text = elapsed(secondsSince(node.dataset.since));
    if (node.textContent !== text) node.textContent = text;
  }
}

// -- the socket ---------------------------------------------------------------------------

/** A websocket that keeps itself connected.
 *
 * Every (re)connection starts with hello(); a frame for which isWelcome(frame) is true
 * makes the socket ready. A restarted server is back within seconds, so the first retry
 * comes at once and the delay never grows past maxBackoffMs; full jitter keeps a room of
 * pages from reconnecting in one burst (AWS, "Exponential Backoff And Jitter"). With
 * staleMs, a socket that hears nothing for that long is dropped (browsers can take
 * minutes to notice a half-open TCP connection); pingMs keeps a quiet server talking.
 * With pongTimeoutMs, a socket that hears nothing within that long after one of its pings
 * is dropped: for a server that only speaks when spoken to, where a watchdog over the
 * whole silence would trip in a background tab whose timers the browser batches.
 * A close code in stopCodes (signed out, not allowed) ends the retries; a subclass may
 * choose the wait after a given close with retryDelay(code).
 *
 * onFrame(frame) gets every parsed frame; onStatus(state, detail) gets
 * connecting | connected | reconnecting | offline (with detail.retryAt) | stopped (with detail.code).
 */
export class ReconnectingSocket {
  constructor({
    url,
    onFrame,
    onStatus = () => {},
    hello = () => ({ type: 'hello' }),
    isWelcome = (frame) => frame.type === 'welcome',
    stopCodes = [4401, 4403],
    staleMs = 0,
    pingMs = 0,
    pongTimeoutMs = 0,
    firstRetryMs = 300,
    maxBackoffMs = 4000,
  }) {
    Object.assign(this, {
      url, onFrame, onStatus, hello, isWelcome, stopCodes, staleMs, pingMs, pongTimeoutMs, firstRetryMs, maxBackoffMs,
    });
    this.ws = null;
    this.ready = false; // a welcome arrived on the current socket
    this.attempt = 0;
    this.everConnected = false;
    this.stopped = false;
    this.retryTimer = null;
    this.staleTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.retryAt = 0;
    this.notBefore = 0; // no reconnect before this time (holdOff)
    this.lostAt = 0; // when the current outage began (0 = connected)
    this.lastOutageMs = 0; // how long the outage that ended last lasted
    this.state = 'connecting';
  }

  /** Connect, and follow the browser's own idea of the network and of the tab waking up. */
  start() {
    window.addEventListener('online', () => this.reconnectNow());
    window.addEventListener('offline', () => this.drop('offline'));
    // A laptop waking from sleep: check at once instead of waiting for the watchdog.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && this.ready && this.pingMs) this.ping();
    });
    this.connect();
  }

  connect() {
    this.clearTimers();
    if (this.stopped) return;
    this.ready = false;
    this.status(this.everConnected ? 'reconnecting' : 'connecting');
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (_) {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (ws !== this.ws) return;
      ws.send(JSON.stringify(this.hello()));
      this.armWatchdog();
    };
    ws.onmessage = (msg) => {
      if (ws !== this.ws) return;
      this.armWatchdog();
      clearTimeout(this.pongTimer); // heard from: the ping's answer is not overdue
      this.pongTimer = null;
      let frame;
      try {
        frame = JSON.parse(msg.data);
      } catch (_) {
        return;
      }
      if (!frame || typeof frame.type !== 'string') return;
      if (this.isWelcome(frame)) this.markReady();
      if (this.accept(frame)) this.onFrame(frame);
    };
    ws.onclose = (ev) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.ready = false;
      if (this.stopCodes.includes(ev.code)) {
        this.stopped = true;
        this.clearTimers();
        this.status('stopped', { code: ev.code });
        return;
      }
      this.scheduleRetry(this.retryDelay(ev.code));
    };
    ws.onerror = () => { /* a close event always follows */ };
  }

  /** A subclass may keep a frame from onFrame (true = deliver it). */
  accept(_frame) {
    return true;
  }

  /** A subclass may choose the wait (ms) before retrying after a close with this code;
   * undefined means the usual back-off. */
  retryDelay(_code) {
    return undefined;
  }

  markReady() {
    this.lastOutageMs = this.lostAt ? Date.now() - this.lostAt : 0;
    this.lostAt = 0;
    this.ready = true;
    this.attempt = 0;
    this.everConnected = true;
    this.status('connected');
    clearInterval(this.pingTimer);
    if (this.pingMs) this.pingTimer = setInterval(() => this.ping(), this.pingMs);
  }

  /** Ping; with pongTimeoutMs, drop the socket unless something arrives in time. */
  ping() {
    if (!this.send({ type: 'ping' }) || !this.pongTimeoutMs || this.pongTimer) return;
    const ws = this.ws;
    this.pongTimer = setTimeout(() => {
      this.pongTimer = null;
      if (ws === this.ws) this.drop('stale');
    }, this.pongTimeoutMs);
  }

  /** Send on an open socket; false means it did not go (the caller keeps it or says so). */
  send(frame) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    try {
      this.ws.send(JSON.stringify(frame));
      return true;
    } catch (_) {
      return false;
    }
  }

  get connected() {
    return this.ready;
  }

  armWatchdog() {
    clearTimeout(this.staleTimer);
    if (this.staleMs) this.staleTimer = setTimeout(() => this.drop('stale'), this.staleMs);
  }

  /** Abandon the current socket without waiting for the browser to agree it is dead. */
  drop(reason) {
    if (this.stopped) return;
    this.detach(reason);
    this.scheduleRetry(reason === 'stale' ? 0 : undefined);
  }

  detach(reason) {
    if (this.ready && !this.lostAt) this.lostAt = Date.now();
    const old = this.ws;
    this.ws = null;
    this.ready = false;
    if (old) {
      old.onopen = old.onmessage = old.onclose = old.onerror = null;
      try { old.close(4000, reason); } catch (_) { /* already closed */ }
    }
  }

  /** The network came back or the user asked: skip the rest of the back-off. */
  reconnectNow() {
    // A wait the server asked for (holdOff) is kept: an earlier socket would only be refused.
    if (this.stopped || this.ready || Date.now() < this.notBefore) return;
    this.detach('retry');
    this.attempt = 0;
    this.connect();
  }

  /** Like reconnectNow, but only while waiting between attempts: a socket that is still
   * connecting is left to finish (a page may ask on every click or tab switch). */
  retryNow() {
    if (!this.ws) this.reconnectNow();
  }

  /** For retryDelay: the server asked for a wait of ms (e.g. a rate limit's retry_after).
   * Neither the retry nor reconnectNow (a click, the network coming back) comes sooner. */
  holdOff(ms) {
    this.notBefore = Date.now() + ms;
    return ms;
  }

  /** The wait before attempt n (0-based): random in [cap/2, cap], cap doubling from firstRetryMs. */
  backoff(attempt) {
    const cap = Math.min(this.maxBackoffMs, this.firstRetryMs * 2 ** attempt);
    return Math.round(cap / 2 + Math.random() * (cap / 2));
  }

  scheduleRetry(delayMs) {
    this.clearTimers();
    if (this.stopped) return;
    if (this.everConnected && !this.lostAt) this.lostAt = Date.now();
    const delay = delayMs ?? this.backoff(this.attempt);
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    this.status(navigator.onLine === false ? 'offline' : 'reconnecting', { retryAt: this.retryAt });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  clearTimers() {
    clearTimeout(this.retryTimer);
    clearTimeout(this.staleTimer);
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.pongTimer = null;
  }

  status(state, detail) {
    this.state = state;
    this.onStatus(state, detail || {});
  }
}

// -- the hub's channels ---------------------------------------------------------------------

/** [{kind, label}] for every channel this hub has, from the page's <script id="cc-channels">
 * (the server's channel registry). Without it, the four built-in channels, their labels
 * translated by the caller's t().
 */
export function channels(t = (text) => text) {
  const node = typeof document !== 'undefined' && document.getElementById('cc-channels');
  if (node) {
    try {
      const listed = JSON.parse(node.textContent || '[]');
      if (Array.isArray(listed)) {
        return listed
          .filter((c) => c && typeof c.kind === 'string')
          .map((c) => ({ kind: c.kind, label: typeof c.label === 'string' && c.label ? c.label : c.kind }));
      }
    } catch (err) {
      console.error('channels: unreadable list, using the built-in ones', err);
    }
  }
  return [
    { kind: 'chat', label: t('Chat') },
    { kind: 'email', label: t('Email') },
    { kind: 'sms', label: t('SMS') },
    { kind: 'voice', label: t('Voice') },
  ];
}

/** kind → label, for lookups. */
export function channelLabels(t) {
  return Object.fromEntries(channels(t).map((c) => [c.kind, c.label]));
}
