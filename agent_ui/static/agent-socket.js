/* Agent desktop: the websocket to /agent/ws — connect, resume, detect staleness, back off —
 * and the header pill that shows how that is going.
 *
 * The server stamps every frame it forwards from the bus with `event_id` (heartbeats
 * too). We remember the newest one and, after any drop, say hello with it so the
 * server replays exactly what we missed; if it cannot, it sends `resync` and a fresh
 * `welcome`. A socket that goes quiet for STALE_MS is treated as dead: browsers can
 * take minutes to notice a half-open TCP connection on their own.
 */
'use strict';

class DeskSocket {
  static STALE_MS = 15000; // three default heartbeat intervals
  static PING_MS = 5000; // our own pings keep the watchdog honest whatever the server's heartbeat setting
  // A restarted server is back within seconds: the first retry comes at once and the
  // delay never grows past a few seconds. Full jitter keeps a room of desktops from
  // reconnecting in one burst (AWS, "Exponential Backoff And Jitter").
  static FIRST_RETRY_MS = 300;
  static MAX_BACKOFF_MS = 4000;

  /** onFrame(frame) gets every parsed frame; onStatus(state, detail) gets connecting|connected|reconnecting|offline|signed_out. */
  constructor({ url, onFrame, onStatus }) {
    this.url = url;
    this.onFrame = onFrame;
    this.onStatus = onStatus;
    this.ws = null;
    this.ready = false; // true once welcome or resumed arrived on the current socket
    this.lastEventId = null;
    this.attempt = 0;
    this.everConnected = false;
    this.stopped = false;
    this.retryTimer = null;
    this.staleTimer = null;
    this.pingTimer = null;
    this.retryAt = 0;
    this.lostAt = 0; // when the current outage began (0 = connected)
    this.lastOutageMs = 0; // how long the outage that ended last lasted
  }

  start() {
    window.addEventListener('online', () => this.reconnectNow());
    window.addEventListener('offline', () => this.drop('offline'));
    // A laptop waking from sleep: check at once instead of waiting for the watchdog.
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && this.ready) this.send({ type: 'ping' });
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
      const hello = { type: 'hello' };
      if (this.lastEventId) hello.last_event_id = this.lastEventId;
      ws.send(JSON.stringify(hello));
      this.armWatchdog();
    };
    ws.onmessage = (msg) => {
      if (ws !== this.ws) return;
      this.armWatchdog();
      let frame;
      try {
        frame = JSON.parse(msg.data);
      } catch (_) {
        return;
      }
      if (!frame || typeof frame.type !== 'string') return;
      if (frame.type === 'welcome' && frame.last_event_id != null) this.lastEventId = String(frame.last_event_id);
      if (frame.event_id != null) this.lastEventId = String(frame.event_id);
      if (frame.type === 'welcome' || frame.type === 'resumed') this.markReady();
      if (frame.type === 'resync' && this.ready) {
        // Live events were missed and could not be replayed: start afresh with a welcome.
        this.lastEventId = null;
        ws.close();
        return;
      }
      this.onFrame(frame);
    };
    ws.onclose = (ev) => {
      if (ws !== this.ws) return;
      this.ws = null;
      this.ready = false;
      if (ev.code === 4401) {
        this.stopped = true;
        this.clearTimers();
        this.status('signed_out');
        return;
      }
      this.scheduleRetry();
    };
    ws.onerror = () => { /* a close event always follows */ };
  }

  markReady() {
    this.lastOutageMs = this.lostAt ? Date.now() - this.lostAt : 0;
    this.lostAt = 0;
    this.ready = true;
    this.attempt = 0;
    this.everConnected = true;
    this.status('connected');
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => this.send({ type: 'ping' }), DeskSocket.PING_MS);
  }

  /** Send if live; false means the caller must keep the frame and retry after reconnecting. */
  send(frame) {
    if (!this.ws || !this.ready || this.ws.readyState !== WebSocket.OPEN) return false;
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
    this.staleTimer = setTimeout(() => this.drop('stale'), DeskSocket.STALE_MS);
  }

  /** Abandon the current socket without waiting for the browser to agree it is dead. */
  drop(reason) {
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

  /** The network came back or the agent clicked the status: skip the rest of the backoff. */
  reconnectNow() {
    if (this.stopped || this.ready) return;
    this.detach('retry');
    this.attempt = 0;
    this.connect();
  }

  /** The wait before attempt n (0-based): random in [cap/2, cap], cap doubling from FIRST_RETRY_MS. */
  static backoff(attempt) {
    const cap = Math.min(DeskSocket.MAX_BACKOFF_MS, DeskSocket.FIRST_RETRY_MS * 2 ** attempt);
    return Math.round(cap / 2 + Math.random() * (cap / 2));
  }

  scheduleRetry(delayMs) {
    this.clearTimers();
    if (this.stopped) return;
    if (this.everConnected && !this.lostAt) this.lostAt = Date.now();
    const delay = delayMs ?? DeskSocket.backoff(this.attempt);
    this.attempt += 1;
    this.retryAt = Date.now() + delay;
    this.status(navigator.onLine === false ? 'offline' : 'reconnecting', { retryAt: this.retryAt });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  clearTimers() {
    clearTimeout(this.retryTimer);
    clearTimeout(this.staleTimer);
    clearInterval(this.pingTimer);
  }

  status(state, detail) {
    this.state = state;
    this.onStatus(state, detail || {});
  }
}

/** The header's connection status: never let a lost connection look like a quiet queue. */
class ConnectionPill {
  static LABELS = {
    connected: t('Connected'),
    connecting: t('Connecting…'),
    reconnecting: t('Reconnecting…'),
    offline: t('Offline — waiting for network'),
  };

  constructor(node) {
    this.node = node;
    this.status = 'connecting';
    this.retryAt = 0;
    this.lostAt = 0; // when the current outage began (0 = connected)
    this.lastOutageMs = 0; // how long the outage that ended last lasted
  }

  show(status, detail) {
    const { el, fill } = Dom;
    this.status = status;
    this.retryAt = (detail && detail.retryAt) || 0;
    this.node.className = 'conn conn-' + status;
    if (status === 'signed_out') {
      fill(this.node, t('Signed out') + ' — ', el('a', { href: '/login?next=/agent', text: t('sign in again') }));
    } else {
      fill(this.node, el('span', { class: 'conn-dot', 'aria-hidden': 'true' }),
        el('span', { class: 'conn-text', text: ConnectionPill.LABELS[status] || status }));
    }
    document.body.classList.toggle('is-disconnected', status !== 'connected');
  }

  /** Count down to the next attempt, so the agent sees it is still trying. */
  tick() {
    const text = this.node.querySelector('.conn-text');
    if (!text || !this.retryAt || (this.status !== 'reconnecting' && this.status !== 'offline')) return;
    const secs = Math.max(0, Math.ceil((this.retryAt - Date.now()) / 1000));
    const base = this.status === 'offline' ? t('Offline') : t('Reconnecting…');
    text.textContent = secs > 0 ? t('{status} · retrying in {seconds}s', { status: base, seconds: secs }) : base;
  }
}
