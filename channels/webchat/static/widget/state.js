/*
 * Web chat widget: the embedding options, what is remembered in the browser, and the state.
 *
 * Reliability: the visitor token lives in localStorage so a reload resumes the conversation
 * with its history; messages stay in a local outbox until the server acks them and are resent
 * after a reconnect (the server dedupes by client_id).
 */
import { KEY, SCRIPT } from "./env.js";
import { t } from "./i18n.js";

export const CONFIG = readConfig(SCRIPT);

function readConfig(el) {
  const data = (el && el.dataset) || {};
  const color = (data.color || "").trim();
  const supported = color && window.CSS && CSS.supports && CSS.supports("color", color);
  return {
    title: (data.title || "").trim() || t("Chat with us"),
    color: supported ? color : "#4f46e5",
    greeting: (data.greeting || "").trim() || t("Hi there! How can we help you today?"),
  };
}

// Storage: localStorage when the browser lets us, memory otherwise (private modes, sandboxes).
const memory = {};
export const storage = {
  get(name) {
    try {
      const value = window.localStorage.getItem(KEY + name);
      return value === null ? memory[name] ?? null : value;
    } catch (_) {
      return memory[name] ?? null;
    }
  },
  set(name, value) {
    memory[name] = value;
    try {
      window.localStorage.setItem(KEY + name, value);
    } catch (_) {
      /* quota or disabled storage: memory still has it for this page */
    }
  },
  remove(name) {
    delete memory[name];
    try {
      window.localStorage.removeItem(KEY + name);
    } catch (_) {
      /* ignore */
    }
  },
  getJSON(name, fallback) {
    try {
      const raw = this.get(name);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (_) {
      return fallback;
    }
  },
  setJSON(name, value) {
    this.set(name, JSON.stringify(value));
  },
};

export const state = {
  // The socket's (connection.js keeps these current for render and the other parts).
  ready: false, // welcomed on the current socket
  everReady: false,
  stopped: false, // the hub refused this site: never reconnect
  attempts: 0, // failed attempts since the last welcome
  resetToken: false, // the hub refused the stored token: the next hello goes without it, at once
  retryAfterMs: 0, // the hub's last rate_limited error asked for this wait before a new socket
  token: storage.get("token"),
  maxBytes: 10 * 1024 * 1024,
  view: "loading", // loading | prechat | chat (set once the outbox and pre-chat flag are read)
  open: false,
  unread: 0,
  conversation: null, // {id, status: waiting|connected|ended, agent_name, rated}
  agentName: "",
  queue: null, // {position, wait}
  remoteTyping: null, // name of the agent who is typing
  remoteTypingTimer: 0,
  typingActive: false,
  typingSentAt: 0,
  typingIdleTimer: 0,
  profile: storage.getJSON("profile", null),
  prechatDone: storage.getJSON("prechat", false) === true,
  pendingProfile: false,
  pendingEnd: false,
  confirmingEnd: false, // "End this chat?" is showing
  offline: navigator.onLine === false, // the browser says there is no network
  pendingCsat: false,
  rating: 0,
  ratingSubmitted: false,
  ratingSkipped: false,
  // The conversation the visitor closed with "Start a new chat": the server still reports it
  // as the latest one until the next message opens a new conversation.
  freshAfter: storage.getJSON("fresh", null),
  outbox: loadOutbox(),
  pinned: true, // the message list is scrolled to the bottom
};

// Someone who already chatted here sees the conversation at once, even before (or without)
// a connection; a first-time visitor waits for the welcome to know whether to ask who they are.
if (state.prechatDone || state.outbox.length) state.view = "chat";

export const eventEls = new Map(); // event id -> element
export const pendingEls = new Map(); // client_id -> element

function loadOutbox() {
  const items = storage.getJSON("outbox", []);
  return Array.isArray(items) ? items.filter((m) => m && typeof m.client_id === "string") : [];
}

export function saveOutbox() {
  if (state.outbox.length) storage.setJSON("outbox", state.outbox);
  else storage.remove("outbox");
}

export function uuid() {
  if (window.crypto && crypto.randomUUID) {
    try {
      return crypto.randomUUID();
    } catch (_) {
      /* insecure context */
    }
  }
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  const x = Array.from(b, (v) => v.toString(16).padStart(2, "0")).join("");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
