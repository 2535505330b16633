/*
 * Web chat widget: the visitor websocket — ui-core.js's ReconnectingSocket (jittered back-off,
 * pings that drop a dead socket, the browser's online/offline events), saying hello with the
 * stored token so a reconnect or a reload resumes the conversation (its history comes back in
 * the welcome, docs/protocol.md), and sending frames (an outbox message goes only once the
 * socket is welcomed; the server stores each client_id once, so a resend is safe).
 */
import { late } from "./late.js";
import { MAX_RETRY_MS, PING_MS, PONG_TIMEOUT_MS, SCRIPT, WS_URL } from "./env.js";
import { LOCALE, t } from "./i18n.js";
import { state } from "./state.js";
import { ui } from "./shell.js";
import { setRemoteTyping } from "./typing.js";
import { ReconnectingSocket } from "/static/ui-core.js";

// Closed for too many sockets from this address (docs/protocol.md): wait what the hub asked.
const CLOSE_TOO_MANY = 4429;
const RETRY_AFTER_MAX_MS = 10 * 60 * 1000;

class VisitorSocket extends ReconnectingSocket {
  retryDelay(code) {
    // The hub no longer knew the stored token (error invalid_token, then close 4401): the
    // token is gone, so say hello without one at once instead of backing off.
    if (state.resetToken) {
      state.resetToken = false;
      this.attempt = 0;
      return 0;
    }
    // Refused for too many sockets (error rate_limited with retry_after, then close 4429):
    // retrying sooner, or on opening the panel, only meets the same refusal. Up to a fifth
    // more, so a room of widgets refused together does not come back together.
    const asked = state.retryAfterMs;
    state.retryAfterMs = 0;
    if (code === CLOSE_TOO_MANY && asked > 0) return this.holdOff(asked + Math.random() * asked * 0.2);
    return undefined;
  }
}

// Remembered from the error frame that comes just before a 4429 close.
export function noteRetryAfter(seconds) {
  if (typeof seconds === "number" && seconds > 0) state.retryAfterMs = Math.min(seconds * 1000, RETRY_AFTER_MAX_MS);
}

const socket = new VisitorSocket({
  url: WS_URL,
  hello: visitorHello,
  onFrame: handleFrame,
  onStatus: socketStatus,
  // Only a refused origin ends the retries; 4401 (a token the hub no longer knows) starts
  // afresh without it, 4408 (slow consumer) and the rest reconnect.
  stopCodes: [4403],
  pingMs: PING_MS,
  pongTimeoutMs: PONG_TIMEOUT_MS,
  maxBackoffMs: MAX_RETRY_MS,
});

export function connect() {
  if (!state.stopped) socket.start();
}

function visitorHello() {
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
  return hello;
}

function handleFrame(frame) {
  const handler = late.HANDLERS[frame.type];
  if (!handler) return;
  try {
    handler(frame);
  } catch (err) {
    console.error("[chat widget] could not handle", frame.type, err);
  }
}

// The socket's state, mirrored where render() and the other parts read it. "connected" comes
// just before the welcome frame, whose handler renders.
function socketStatus(status) {
  const wasReady = state.ready;
  state.ready = status === "connected";
  state.attempts = socket.attempt;
  if (state.ready) {
    state.everReady = true;
    return;
  }
  if (status === "stopped") state.stopped = true;
  if (wasReady) connectionLost();
  late.render();
}

// Whatever waited for an answer on the lost socket will not get one.
function connectionLost() {
  setRemoteTyping(null);
  if (state.pendingProfile) {
    state.pendingProfile = false;
    ui.formError.textContent = t("The connection dropped — please try again.");
  }
  state.pendingEnd = false;
  state.pendingCsat = false;
}

// The browser knows before the socket does: the socket drops itself on "offline" and tries
// again on "online"; here the status line learns which of the two it is.
export function watchNetwork() {
  window.addEventListener("offline", () => {
    state.offline = true;
    late.render();
  });
  window.addEventListener("online", () => {
    state.offline = false;
    late.render();
  });
}

// The visitor is looking (the panel opened, the tab came back): skip the rest of the back-off.
export function reconnectNow() {
  if (!state.stopped) socket.retryNow();
}

// The server could not replay what this socket missed (resync): a new socket's welcome has it.
export function reconnect() {
  socket.drop("resync");
}

export function send(frame) {
  return socket.send(frame);
}

export function transmit(item) {
  if (!state.ready) return false;
  return send({ type: "message", client_id: item.client_id, body: item.body, attachments: item.attachments });
}

// For the earlier parts that call back here (late.js).
Object.assign(late, { send, transmit });
