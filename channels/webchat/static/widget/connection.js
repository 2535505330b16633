/*
 * Web chat widget: the visitor websocket — hello with the stored token (so a reload resumes
 * the conversation), reconnecting with backoff, heartbeats that drop a dead socket, and
 * sending frames (an outbox message goes only once the socket is welcomed).
 */
import { late } from "./late.js";
import { MAX_RETRY_MS, PING_MS, PONG_TIMEOUT_MS, SCRIPT, WS_URL } from "./env.js";
import { LOCALE, t } from "./i18n.js";
import { state } from "./state.js";
import { ui } from "./shell.js";
import { setRemoteTyping } from "./typing.js";

export function connect() {
  if (state.stopped || state.socket) return;
  clearTimeout(state.retryTimer);
  let ws;
  try {
    ws = new WebSocket(WS_URL);
  } catch (_) {
    scheduleReconnect();
    return;
  }
  state.socket = ws;
  state.ready = false;
  ws.onopen = () => {
    // The widget's language, so the server words its error frames the same way.
    const hello = { type: "hello", lang: LOCALE };
    if (state.token) hello.token = state.token;
    // Only profile values the server already accepted are kept, so hello cannot be refused.
    if (state.profile && state.profile.name) hello.name = state.profile.name;
    if (state.profile && state.profile.email) hello.email = state.profile.email;
    // A customer signed in on the site, vouched for by its server (docs/widget-identity.md).
    const signed = (SCRIPT && SCRIPT.dataset) || {};
    if (signed.email && signed.identityHash) {
      Object.assign(hello, { widget: signed.widget || "", email: signed.email, identity_hash: signed.identityHash });
      if (signed.name && !hello.name) hello.name = signed.name;
    }
    ws.send(JSON.stringify(hello));
  };
  ws.onmessage = (e) => {
    if (state.socket !== ws) return;
    let frame;
    try {
      frame = JSON.parse(e.data);
    } catch (_) {
      return;
    }
    const handler = frame && typeof frame.type === "string" && late.HANDLERS[frame.type];
    if (!handler) return;
    try {
      handler(frame);
    } catch (err) {
      console.error("[chat widget] could not handle", frame.type, err);
    }
  };
  ws.onclose = (e) => closed(ws, e.code);
  ws.onerror = () => {}; // a close event always follows
}

function closed(ws, code) {
  if (state.socket !== ws) return;
  state.socket = null;
  state.ready = false;
  clearInterval(state.pingTimer);
  clearTimeout(state.pongTimer);
  setRemoteTyping(null);
  if (code === 4403) state.stopped = true;
  if (state.pendingProfile) {
    state.pendingProfile = false;
    ui.formError.textContent = t("The connection dropped — please try again.");
  }
  state.pendingEnd = false;
  state.pendingCsat = false;
  if (!state.stopped) {
    if (state.resetToken) {
      state.resetToken = false;
      state.attempts = 0;
      state.retryTimer = setTimeout(connect, 0);
    } else {
      scheduleReconnect();
    }
  }
  late.render();
}

// A restarted hub is back in seconds: the first retry comes at once, then the delay doubles
// up to MAX_RETRY_MS, each one random in its upper half so a page full of widgets spreads out.
function scheduleReconnect() {
  clearTimeout(state.retryTimer);
  const cap = Math.min(MAX_RETRY_MS, 300 * 2 ** state.attempts);
  state.attempts += 1;
  state.retryTimer = setTimeout(connect, cap / 2 + Math.random() * (cap / 2));
}

// The browser knows before the socket does: say so at once and stop trusting the socket.
export function watchNetwork() {
  window.addEventListener("offline", () => {
    state.offline = true;
    if (state.socket) abandon(state.socket);
    late.render();
  });
  window.addEventListener("online", () => {
    state.offline = false;
    late.render();
    reconnectNow();
  });
}

export function reconnectNow() {
  if (state.stopped || state.socket) return;
  state.attempts = 0;
  clearTimeout(state.retryTimer);
  connect();
}

// A socket that stopped answering pings may take minutes to report its close; drop it now.
function abandon(ws) {
  if (state.socket !== ws) return;
  ws.onclose = ws.onmessage = null;
  try {
    ws.close();
  } catch (_) {
    /* already gone */
  }
  closed(ws, 4000);
}

export function send(frame) {
  const ws = state.socket;
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(JSON.stringify(frame));
  return true;
}

export function startHeartbeat(ws) {
  clearInterval(state.pingTimer);
  state.pingTimer = setInterval(() => {
    if (!send({ type: "ping" })) return;
    clearTimeout(state.pongTimer);
    state.pongTimer = setTimeout(() => abandon(ws), PONG_TIMEOUT_MS);
  }, PING_MS);
}

export function transmit(item) {
  if (!state.ready) return false;
  return send({ type: "message", client_id: item.client_id, body: item.body, attachments: item.attachments });
}

// For the earlier parts that call back here (late.js).
Object.assign(late, { send, transmit });
