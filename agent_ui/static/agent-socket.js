/* Agent desktop: the websocket to /agent/ws — connect, resume, detect staleness, back off
 * (ui-core.js's ReconnectingSocket does the connecting) — and the header pill that shows
 * how that is going.
 *
 * The server stamps every frame it forwards from the bus with `event_id` (heartbeats
 * too). We remember the newest one and, after any drop, say hello with it so the
 * server replays exactly what we missed; if it cannot, it sends `resync` and a fresh
 * `welcome`. A socket that goes quiet for STALE_MS is treated as dead: browsers can
 * take minutes to notice a half-open TCP connection on their own.
 */
import { t } from './agent-i18n.js';
import { el, fill, ReconnectingSocket } from './ui-core.js';

/** The desk's socket: ui-core's ReconnectingSocket, plus resuming from the last event. */
export class DeskSocket extends ReconnectingSocket {
  static STALE_MS = 15000; // three default heartbeat intervals
  static PING_MS = 5000; // our own pings keep the watchdog honest whatever the server's heartbeat setting

  /** onFrame(frame) gets every parsed frame; onStatus(state, detail) gets connecting|connected|reconnecting|offline|signed_out. */
  constructor({ url, onFrame, onStatus }) {
    super({
      url,
      onFrame,
      onStatus: (state, detail) => onStatus(state === 'stopped' ? 'signed_out' : state, detail),
      isWelcome: (frame) => frame.type === 'welcome' || frame.type === 'resumed',
      stopCodes: [4401],
      staleMs: DeskSocket.STALE_MS,
      pingMs: DeskSocket.PING_MS,
    });
    this.lastEventId = null;
    this.hello = () => (this.lastEventId ? { type: 'hello', last_event_id: this.lastEventId } : { type: 'hello' });
  }

  accept(frame) {
    if (frame.type === 'welcome' && frame.last_event_id != null) this.lastEventId = String(frame.last_event_id);
    if (frame.event_id != null) this.lastEventId = String(frame.event_id);
    if (frame.type === 'resync' && this.ready) {
      // Live events were missed and could not be replayed: start afresh with a welcome.
      this.lastEventId = null;
      this.ws.close();
      return false;
    }
    return true;
  }

  /** Only once welcomed; false means the caller must keep the frame and retry after reconnecting. */
  send(frame) {
    return this.ready && super.send(frame);
  }
}

/** The header's connection status: never let a lost connection look like a quiet queue. */
export class ConnectionPill {
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
