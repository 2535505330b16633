/*
 * Contact-center web chat widget: one file, plain JavaScript, no build step, no dependencies.
 *
 * Embed it on any allowed site with a single tag:
 *   <script src="https://hub.example.com/widget.js" async
 *           data-title="Support" data-color="#0f766e" data-greeting="Hi! How can we help?"></script>
 *
 * The widget talks to the hub it was loaded from, not to the page's origin: the visitor
 * websocket at /channels/webchat/ws (channels/webchat/socket.py is the source of truth for
 * frames) and uploads at /channels/webchat/attachments. It renders inside an open Shadow DOM
 * root so the host page's CSS cannot break it and ours cannot leak out.
 *
 * Reliability: the visitor token lives in localStorage so a reload resumes the conversation
 * with its history; messages stay in a local outbox until the server acks them and are resent
 * after a reconnect (the server dedupes by client_id); messages render keyed by event id so
 * the server's echo of our own message never shows twice.
 *
 * Safety: anything that came from the server, an agent or the visitor is put on the page
 * with textContent or as attribute values — never through innerHTML.
 */
(() => {
  "use strict";

  // document.currentScript only exists while this file first runs, so capture it now.
  const SCRIPT =
    document.currentScript ||
    Array.from(document.scripts)
      .reverse()
      .find((s) => /\/widget\.js(?:[?#]|$)/.test(s.src)) ||
    null;
  const ORIGIN = SCRIPT && SCRIPT.src ? new URL(SCRIPT.src, location.href).origin : location.origin;
  const WS_URL = ORIGIN.replace(/^http/, "ws") + "/channels/webchat/ws";
  const UPLOAD_URL = ORIGIN + "/channels/webchat/attachments";
  const KEY = "cc-widget:" + ORIGIN + ":";

  // One widget per hub per page, even if the tag is pasted twice.
  const registry = (window.__ccChatWidgets = window.__ccChatWidgets || {});
  if (registry[ORIGIN]) return;
  registry[ORIGIN] = true;

  const PING_MS = 25000;
  const PONG_TIMEOUT_MS = 10000;
  const MAX_RETRY_MS = 15000;
  const TYPING_REPEAT_MS = 3000; // re-announce "still typing" at most this often
  const TYPING_IDLE_MS = 4000; // after this much quiet the visitor stopped typing
  const REMOTE_TYPING_MS = 8000; // hide "Alice is typing…" if no update arrives
  const MAX_BODY = 10000;
  const ACCEPTED_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"];
  const ACCEPTED_EXT = /\.(png|jpe?g|gif|webp|pdf)$/i;

  // ---------------------------------------------------------------------------------------
  // Language: the script tag's data-lang, else the browser's languages, else English.
  // CATALOGUES is filled in by the hub when it serves /widget.js, from the gettext "widget"
  // domain (contact_center/i18n/locales/<locale>/LC_MESSAGES/widget.po; docs/i18n.md).
  // Strings are marked t("English {name}", { name }) so Babel's extractor finds them.
  const CATALOGUES = /*cc-i18n*/ {} /*cc-i18n-end*/;
  const LOCALE = pickLocale(
    [(SCRIPT && SCRIPT.dataset && SCRIPT.dataset.lang) || ""]
      .concat(Array.from(navigator.languages || []), [navigator.language || ""])
      .filter(Boolean)
  );
  const LANG = LOCALE.replace(/_/g, "-");
  const MESSAGES = CATALOGUES[LOCALE] || {};

  function pickLocale(tags) {
    const known = ["en"].concat(Object.keys(CATALOGUES));
    const byKey = {};
    known.forEach((k) => (byKey[k.toLowerCase()] = k));
    for (const tag of tags) {
      const key = String(tag).trim().replace(/-/g, "_").toLowerCase();
      if (!key) continue;
      if (byKey[key]) return byKey[key];
      let language = key.split("_")[0];
      let script = "";
      try {
        // zh-TW → zh-Hant-TW, zh-CN → zh-Hans-CN, zh → zh-Hans-CN (CLDR likely subtags).
        const full = new Intl.Locale(String(tag).trim().replace(/_/g, "-")).maximize();
        language = full.language;
        script = full.script || "";
      } catch (_) {
        /* not a valid tag: try its language part */
      }
      const withScript = (language + "_" + script).toLowerCase();
      if (script && byKey[withScript]) return byKey[withScript];
      if (byKey[language]) return byKey[language];
    }
    return "en";
  }

  function t(message, params) {
    const found = MESSAGES[message];
    const text = typeof found === "string" && found ? found : message;
    return params ? text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole)) : text;
  }

  function formatNumber(n) {
    return new Intl.NumberFormat(LANG).format(n);
  }

  // "2 minutes" / "2分钟" / "2 分鐘".
  function formatMinutes(minutes) {
    try {
      return new Intl.NumberFormat(LANG, { style: "unit", unit: "minute", unitDisplay: "long" }).format(minutes);
    } catch (_) {
      return t("{num} min", { num: minutes });
    }
  }

  const CONFIG = readConfig(SCRIPT);

  // ---------------------------------------------------------------------------------------
  // Storage: localStorage when the browser lets us, memory otherwise (private modes, sandboxes).
  const memory = {};
  const storage = {
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

  const state = {
    socket: null,
    ready: false, // welcomed on the current socket
    everReady: false,
    stopped: false, // the hub refused this site: never reconnect
    attempts: 0,
    retryTimer: 0,
    pingTimer: 0,
    pongTimer: 0,
    resetToken: false,
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

  const eventEls = new Map(); // event id -> element
  const pendingEls = new Map(); // client_id -> element

  // ---------------------------------------------------------------------------------------
  // Small DOM helpers.
  const SVG_NS = "http://www.w3.org/2000/svg";
  const ICONS = {
    chat: "M21 11.5a8.4 8.4 0 0 1-9 8.4 9.2 9.2 0 0 1-3.9-.9L3 20.5l1.5-4.6A8.4 8.4 0 0 1 12 3.1a8.4 8.4 0 0 1 9 8.4z",
    down: "M6 9l6 6 6-6",
    close: "M18 6L6 18|M6 6l12 12",
    clip: "M21.4 11.1l-9.2 9.2a6 6 0 0 1-8.5-8.5l9.2-9.2a4 4 0 0 1 5.7 5.7l-9.2 9.2a2 2 0 0 1-2.8-2.8l8.5-8.5",
    send: "M12 19V5|M5 12l7-7 7 7",
    file: "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z|M14 2v6h6",
    star: "M12 2.5l2.9 6 6.6.9-4.8 4.6 1.2 6.5L12 17.4l-5.9 3.1 1.2-6.5-4.8-4.6 6.6-.9z",
    offline: "M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20z|M4.9 4.9l14.2 14.2",
    headset: "M3 18v-6a9 9 0 0 1 18 0v6|M21 19a2 2 0 0 1-2 2h-1a2 2 0 0 1-2-2v-3a2 2 0 0 1 2-2h3z|M3 19a2 2 0 0 0 2 2h1a2 2 0 0 0 2-2v-3a2 2 0 0 0-2-2H3z",
  };

  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") el.textContent = value;
      else if (key === "class") el.className = value;
      else if (key === "testid") el.dataset.testid = value;
      else if (key === "hidden") el.hidden = true;
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined && child !== false) el.append(child);
    }
    return el;
  }

  function icon(name, size = 20) {
    const svg = document.createElementNS(SVG_NS, "svg");
    const attrs = {
      viewBox: "0 0 24 24", width: size, height: size, fill: "none", stroke: "currentColor",
      "stroke-width": "2", "stroke-linecap": "round", "stroke-linejoin": "round",
      "aria-hidden": "true", focusable: "false",
    };
    for (const [k, v] of Object.entries(attrs)) svg.setAttribute(k, String(v));
    for (const d of ICONS[name].split("|")) {
      const path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", d);
      svg.append(path);
    }
    return svg;
  }

  // ---------------------------------------------------------------------------------------
  // Building the widget.
  const host = document.createElement("cc-chat-widget");
  // Inline !important beats any stylesheet rule the page may have for unknown elements.
  host.setAttribute(
    "style",
    "all:initial !important;display:block !important;position:fixed !important;right:0 !important;" +
      "bottom:0 !important;width:0 !important;height:0 !important;z-index:2147483000 !important;"
  );
  const shadow = host.attachShadow({ mode: "open" });

  const ui = {};
  ui.style = h("style", { text: STYLE() });

  // Header.
  ui.avatar = h("div", { class: "avatar", "aria-hidden": "true" }, icon("headset", 20));
  ui.title = h("div", { class: "title", id: "cc-title", text: CONFIG.title });
  ui.subtitle = h("div", { class: "subtitle", testid: "cc-subtitle" });
  ui.end = h("button", { type: "button", class: "end", testid: "cc-end", text: "End chat", onclick: endChat });
  ui.close = h(
    "button",
    { type: "button", class: "icon-btn", testid: "cc-close", "aria-label": t("Minimize chat"), onclick: () => setOpen(false) },
    icon("down", 22)
  );
  ui.header = h(
    "header",
    { class: "header" },
    ui.avatar,
    h("div", { class: "heading" }, ui.title, ui.subtitle),
    ui.end,
    ui.close
  );
  ui.status = h("div", { class: "statusbar", testid: "cc-status", role: "status", "aria-live": "polite" });

  // Loading and "not available" views.
  ui.loading = h(
    "div",
    { class: "view center", testid: "cc-loading" },
    h("div", { class: "dots", "aria-hidden": "true" }, h("span"), h("span"), h("span")),
    h("p", { class: "muted", text: t("Connecting…") })
  );
  ui.unavailable = h(
    "div",
    { class: "view center", testid: "cc-unavailable" },
    h("div", { class: "big-icon" }, icon("offline", 40)),
    h("p", { class: "muted", text: t("Please reach us by email or phone instead.") })
  );

  // Pre-chat form.
  ui.name = h("input", {
    id: "cc-name", testid: "cc-name", type: "text", autocomplete: "name", maxlength: "120",
    placeholder: t("Jane Doe"), "aria-describedby": "cc-name-error",
  });
  ui.nameError = h("div", { class: "field-error", id: "cc-name-error", testid: "cc-name-error", role: "alert" });
  ui.email = h("input", {
    id: "cc-email", testid: "cc-email", type: "email", autocomplete: "email", maxlength: "320",
    placeholder: t("jane@example.com"), inputmode: "email", "aria-describedby": "cc-email-error",
  });
  ui.emailError = h("div", { class: "field-error", id: "cc-email-error", testid: "cc-email-error", role: "alert" });
  ui.formError = h("div", { class: "field-error", testid: "cc-prechat-error", role: "alert" });
  ui.start = h("button", { type: "submit", class: "primary wide", testid: "cc-start", text: "Start chat" });
  ui.skip = h("button", { type: "button", class: "link", testid: "cc-skip", text: t("Skip"), onclick: () => finishPrechat() });
  ui.prechat = h(
    "form",
    { class: "view prechat", testid: "cc-prechat", novalidate: true, onsubmit: submitPrechat },
    h("div", { class: "intro" }, h("p", { class: "greeting-text", text: CONFIG.greeting })),
    h(
      "div",
      { class: "card" },
      h("h2", { text: t("Before we start") }),
      h("p", { class: "muted small", text: t("Tell us who you are so we can follow up if you have to leave. Both are optional.") }),
      h("label", { for: "cc-name", text: t("Name") }),
      ui.name,
      ui.nameError,
      h("label", { for: "cc-email", text: t("Email") }),
      ui.email,
      ui.emailError,
      ui.formError,
      ui.start,
      h("div", { class: "skip-row" }, ui.skip)
    )
  );

  // Conversation view.
  ui.greeting = h(
    "div",
    { class: "greeting", testid: "cc-greeting" },
    h("div", { class: "msg-avatar", "aria-hidden": "true" }, icon("headset", 16)),
    h("div", { class: "bubble", text: CONFIG.greeting })
  );
  ui.messages = h(
    "div",
    { class: "messages", testid: "cc-messages", role: "log", "aria-live": "polite", "aria-label": t("Conversation"), tabindex: "0" },
    ui.greeting
  );
  ui.messages.addEventListener("scroll", () => {
    const m = ui.messages;
    state.pinned = m.scrollHeight - m.scrollTop - m.clientHeight < 40;
  });

  ui.notice = h("div", { class: "notice", testid: "cc-error", role: "alert", hidden: true });
  ui.queue = h("div", { class: "queue", testid: "cc-queue", role: "status", hidden: true });
  ui.typing = h("div", { class: "typing", testid: "cc-typing", hidden: true });

  ui.stars = [1, 2, 3, 4, 5].map((n) =>
    h(
      "button",
      {
        type: "button", class: "star", testid: "cc-star-" + n, "aria-label": t("{num} out of 5", { num: n }),
        "aria-pressed": "false", onclick: () => pickRating(n),
        onmouseenter: () => paintStars(n), onmouseleave: () => paintStars(state.rating),
      },
      icon("star", 30)
    )
  );
  ui.comment = h("textarea", {
    class: "comment", testid: "cc-comment", rows: "2", maxlength: "2000",
    placeholder: t("Anything you'd like to add? (optional)"), "aria-label": t("Comment"),
  });
  ui.rateError = h("div", { class: "field-error", role: "alert" });
  ui.rate = h("button", { type: "button", class: "primary", testid: "cc-rate", text: "Send rating", disabled: true, onclick: submitRating });
  ui.rating = h(
    "div",
    { class: "panel-card rating", testid: "cc-rating", hidden: true },
    h("h3", { text: t("How did we do?") }),
    h("div", { class: "stars", role: "group", "aria-label": t("Rate this conversation") }, ui.stars),
    ui.comment,
    ui.rateError,
    h(
      "div",
      { class: "row" },
      h("button", { type: "button", class: "link", testid: "cc-rate-skip", text: t("Skip"), onclick: skipRating }),
      ui.rate
    )
  );
  ui.doneText = h("h3");
  ui.newChat = h("button", { type: "button", class: "secondary", testid: "cc-new-chat", text: "Start a new chat", onclick: newChat });
  ui.done = h("div", { class: "panel-card done", testid: "cc-done", hidden: true }, ui.doneText, ui.newChat);

  ui.file = h("input", {
    type: "file", testid: "cc-file", hidden: true, multiple: true, tabindex: "-1",
    accept: ACCEPTED_TYPES.join(",") + ",.png,.jpg,.jpeg,.gif,.webp,.pdf",
  });
  ui.file.addEventListener("change", () => {
    const files = Array.from(ui.file.files || []);
    ui.file.value = "";
    uploadFiles(files);
  });
  ui.attach = h(
    "button",
    { type: "button", class: "icon-btn tool", testid: "cc-attach", "aria-label": t("Attach an image or PDF"), title: t("Attach an image or PDF"), onclick: () => ui.file.click() },
    icon("clip", 20)
  );
  ui.input = h("textarea", {
    testid: "cc-input", rows: "1", maxlength: String(MAX_BODY), placeholder: t("Write a message…"),
    "aria-label": t("Message"), enterkeyhint: "send",
  });
  ui.send = h("button", { type: "submit", class: "send", testid: "cc-send", "aria-label": t("Send message"), disabled: true }, icon("send", 18));
  ui.composer = h(
    "form",
    { class: "composer", testid: "cc-composer", onsubmit: (e) => { e.preventDefault(); submitMessage(); } },
    ui.input,
    h("div", { class: "tools" }, ui.attach, ui.send),
    ui.file
  );
  ui.footer = h("div", { class: "footer" }, ui.notice, ui.queue, ui.typing, ui.rating, ui.done, ui.composer);
  ui.chat = h("div", { class: "view chat", "data-drop-label": t("Drop to send") }, ui.messages, ui.footer);

  ui.body = h("div", { class: "body" }, ui.loading, ui.unavailable, ui.prechat, ui.chat);
  ui.panel = h(
    "div",
    { class: "panel", id: "cc-panel", role: "dialog", "aria-labelledby": "cc-title", testid: "cc-panel" },
    ui.header,
    ui.status,
    ui.body
  );
  ui.badge = h("span", { class: "badge", testid: "cc-unread", hidden: true, "aria-hidden": "true" });
  ui.launcher = h(
    "button",
    {
      type: "button", class: "launcher", testid: "cc-launcher", "aria-label": t("Open chat"),
      "aria-expanded": "false", "aria-controls": "cc-panel", onclick: () => setOpen(!state.open),
    },
    h("span", { class: "launch-icon open-icon" }, icon("chat", 28)),
    h("span", { class: "launch-icon close-icon" }, icon("down", 28)),
    ui.badge
  );
  // lang picks the right CJK glyphs (Simplified vs Traditional forms) from the font stack.
  ui.root = h("div", { class: "root", lang: LANG, style: `--cc-accent:${CONFIG.color}` }, ui.panel, ui.launcher);
  shadow.append(ui.style, ui.root);

  ui.panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      setOpen(false);
    }
  });
  ui.input.addEventListener("keydown", (e) => {
    // Enter sends, Shift+Enter is a newline; never send while an IME is composing (CJK input).
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submitMessage();
    }
  });
  ui.input.addEventListener("input", () => {
    autoGrow();
    updateSendButton();
    noteTyping();
  });
  ui.input.addEventListener("paste", (e) => {
    const files = Array.from((e.clipboardData && e.clipboardData.files) || []);
    if (files.length) {
      e.preventDefault();
      uploadFiles(files);
    }
  });
  ui.chat.addEventListener("dragover", (e) => {
    if (e.dataTransfer && Array.from(e.dataTransfer.types).includes("Files")) {
      e.preventDefault();
      ui.chat.classList.add("dragging");
    }
  });
  ui.chat.addEventListener("dragleave", () => ui.chat.classList.remove("dragging"));
  ui.chat.addEventListener("drop", (e) => {
    ui.chat.classList.remove("dragging");
    const files = Array.from((e.dataTransfer && e.dataTransfer.files) || []);
    if (files.length) {
      e.preventDefault();
      uploadFiles(files);
    }
  });

  function mount() {
    document.body.append(host);
    ui.root.style.setProperty("--cc-on-accent", readableOn(CONFIG.color));
    for (const item of state.outbox) placePending(item);
    render();
    connect();
    window.addEventListener("online", reconnectNow);
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) {
        reconnectNow();
        if (state.open) clearUnread();
      }
    });
  }

  // ---------------------------------------------------------------------------------------
  // Connection.
  function connect() {
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
      const handler = frame && typeof frame.type === "string" && HANDLERS[frame.type];
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
    render();
  }

  function scheduleReconnect() {
    clearTimeout(state.retryTimer);
    const base = Math.min(MAX_RETRY_MS, 500 * 2 ** state.attempts);
    state.attempts += 1;
    state.retryTimer = setTimeout(connect, base * (0.8 + Math.random() * 0.4));
  }

  function reconnectNow() {
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

  function send(frame) {
    const ws = state.socket;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  function startHeartbeat(ws) {
    clearInterval(state.pingTimer);
    state.pingTimer = setInterval(() => {
      if (!send({ type: "ping" })) return;
      clearTimeout(state.pongTimer);
      state.pongTimer = setTimeout(() => abandon(ws), PONG_TIMEOUT_MS);
    }, PING_MS);
  }

  // ---------------------------------------------------------------------------------------
  // Server frames, one handler per type.
  const HANDLERS = {
    welcome(f) {
      state.ready = true;
      state.everReady = true;
      state.attempts = 0;
      state.token = f.token;
      storage.set("token", f.token);
      if (f.max_attachment_bytes > 0) state.maxBytes = f.max_attachment_bytes;
      startHeartbeat(state.socket);

      let conv = f.conversation || null;
      if (conv && state.freshAfter !== null && conv.id === state.freshAfter) conv = null;
      const shown = state.conversation;
      if (conv && (!shown || shown.id !== conv.id)) {
        clearEvents();
        state.queue = null;
        state.agentName = "";
      }
      if (conv) for (const ev of f.history || []) if (!eventEls.has(ev.id)) placeEvent(ev);
      if (conv) applyConversation(conv, { announce: Boolean(shown && shown.id === conv.id) });

      if (state.view === "loading") {
        state.view = conv || state.prechatDone || state.outbox.length ? "chat" : "prechat";
      }
      // Anything the server never acknowledged goes again; it stores each client_id once.
      for (const item of state.outbox) transmit(item);
      render();
      scrollToBottom(true);
    },

    message(f) {
      const ev = f.event;
      if (!ev || ev.id === undefined || eventEls.has(ev.id)) return;
      placeEvent(ev);
      if (ev.author_type === "agent") {
        setRemoteTyping(null);
        if (!state.open || document.hidden) state.unread += 1;
      }
      scrollToBottom(ev.author_type === "customer");
      render();
    },

    ack(f) {
      const item = state.outbox.find((m) => m.client_id === f.client_id);
      if (item) {
        state.outbox = state.outbox.filter((m) => m !== item);
        saveOutbox();
      }
      const pending = pendingEls.get(f.client_id);
      pendingEls.delete(f.client_id);
      const ev = f.event;
      if (!ev) return;
      if (eventEls.has(ev.id)) {
        if (pending) pending.remove();
        return;
      }
      const el = messageEl(ev);
      if (pending) {
        pending.replaceWith(el);
        eventEls.set(ev.id, el);
        groupWithPrevious(el);
      } else {
        placeEvent(ev);
      }
      scrollToBottom(false);
    },

    status(f) {
      if (f.conversation) applyConversation(f.conversation, { announce: true });
      render();
    },

    queue(f) {
      state.queue = { position: f.position, wait: f.estimated_wait_seconds };
      render();
    },

    typing(f) {
      setRemoteTyping(f.state ? f.name || state.agentName || t("An agent") : null);
    },

    profile_saved(f) {
      if (!state.pendingProfile) return;
      state.pendingProfile = false;
      state.profile = { name: f.name || "", email: f.email || "" };
      storage.setJSON("profile", state.profile);
      finishPrechat();
    },

    csat_saved() {
      state.pendingCsat = false;
      state.ratingSubmitted = true;
      if (state.conversation) state.conversation.rated = true;
      render();
    },

    pong() {
      clearTimeout(state.pongTimer);
    },

    error(f) {
      const message = typeof f.message === "string" && f.message ? f.message : t("Something went wrong.");
      if (f.code === "origin_not_allowed") {
        state.stopped = true;
        render();
        return;
      }
      if (f.code === "invalid_token") {
        // The hub no longer knows this browser (e.g. its secret changed): start afresh.
        state.token = null;
        storage.remove("token");
        state.resetToken = true;
        return;
      }
      if (f.ref && failMessage(f.ref, message)) return;
      if (state.pendingProfile && (f.field === "email" || f.field === "name" || /invalid/.test(f.code || ""))) {
        state.pendingProfile = false;
        const target = f.field === "name" ? ui.nameError : f.field === "email" ? ui.emailError : ui.formError;
        target.textContent = message;
        (f.field === "name" ? ui.name : ui.email).setAttribute("aria-invalid", "true");
        render();
        (f.field === "name" ? ui.name : ui.email).focus();
        return;
      }
      if (state.pendingCsat) {
        state.pendingCsat = false;
        ui.rateError.textContent = message;
        render();
        return;
      }
      state.pendingEnd = false;
      showNotice(message);
      render();
    },
  };

  function applyConversation(conv, { announce }) {
    if (state.freshAfter !== null) {
      if (conv.id === state.freshAfter) return; // news about the chat the visitor left behind
      state.freshAfter = null;
      storage.remove("fresh");
    }
    const prev = state.conversation;
    const same = Boolean(prev && prev.id === conv.id);
    const name = conv.agent_name || (same ? state.agentName : "");
    if (announce && same) {
      if (conv.status === "connected" && (prev.status !== "connected" || (conv.agent_name && conv.agent_name !== state.agentName))) {
        addSystemLine(name ? t("{name} joined the chat", { name }) : t("An agent joined the chat"));
      } else if (conv.status === "waiting" && prev.status === "connected") {
        addSystemLine(t("Finding another agent for you…"));
      } else if (conv.status === "ended" && prev.status !== "ended") {
        addSystemLine(t("The chat has ended"));
      }
    }
    if (!same) {
      state.ratingSubmitted = false;
      state.ratingSkipped = false;
      state.rating = 0;
    }
    state.agentName = name;
    if (conv.status !== "waiting") state.queue = null;
    if (conv.status !== "connected") setRemoteTyping(null);
    if (conv.status === "ended") {
      state.pendingEnd = false;
      if (!same || prev.status !== "ended") hideNotice();
    }
    state.conversation = {
      id: conv.id,
      status: conv.status,
      agent_name: name,
      rated: Boolean(conv.rated) || (same && prev.rated),
    };
    if (state.view !== "chat" && state.view !== "loading") state.view = "chat";
  }

  // ---------------------------------------------------------------------------------------
  // Messages.
  function transmit(item) {
    if (!state.ready) return false;
    return send({ type: "message", client_id: item.client_id, body: item.body, attachments: item.attachments });
  }

  function sendMessage(body, files) {
    const item = {
      client_id: uuid(),
      body,
      attachments: files.map((f) => f.token),
      files: files.map((f) => ({ filename: f.filename, content_type: f.content_type, size: f.size, url: f.url })),
      created_at: new Date().toISOString(),
    };
    state.outbox.push(item);
    saveOutbox();
    placePending(item);
    transmit(item);
    if (state.view !== "chat") state.view = "chat";
    scrollToBottom(true);
    render();
  }

  function submitMessage() {
    const body = ui.input.value.trim();
    if (!body || state.stopped) return;
    if (body.length > MAX_BODY) {
      showNotice(t("Messages can be at most {max} characters.", { max: formatNumber(MAX_BODY) }));
      return;
    }
    stopTyping();
    ui.input.value = "";
    autoGrow();
    updateSendButton();
    sendMessage(body, []);
    ui.input.focus();
  }

  function failMessage(clientId, message) {
    const item = state.outbox.find((m) => m.client_id === clientId);
    const el = pendingEls.get(clientId);
    if (!item && !el) return false;
    state.outbox = state.outbox.filter((m) => m.client_id !== clientId);
    saveOutbox();
    if (el && item) {
      el.dataset.state = "failed";
      const meta = el.querySelector(".meta");
      meta.textContent = "";
      meta.append(
        h("span", { class: "failed", text: t("Not delivered: {reason}", { reason: message }) }),
        " · ",
        h("button", {
          type: "button", class: "link inline", text: t("Retry"),
          onclick: () => {
            el.dataset.state = "sending";
            meta.textContent = t("Sending…");
            state.outbox.push(item);
            saveOutbox();
            transmit(item);
          },
        })
      );
    }
    return true;
  }

  function messageEl(ev, pending) {
    const mine = ev.author_type === "customer";
    const el = h("div", {
      class: "msg " + (mine ? "mine" : "theirs"),
      testid: "cc-msg",
      "data-author": mine ? "customer" : "agent",
    });
    if (ev.id !== undefined && ev.id !== null) el.dataset.eventId = String(ev.id);
    el.dataset.state = pending ? "sending" : "sent";
    if (!mine) {
      const who = ev.author_name || state.agentName || t("Support");
      el.dataset.name = who;
      el.append(
        h("div", { class: "who", text: who }),
        h("div", { class: "msg-avatar", "aria-hidden": "true", text: initials(who) })
      );
    }
    const bubble = h("div", { class: "bubble" });
    if (ev.body) bubble.append(h("div", { class: "text" }, richText(ev.body)));
    const files = (ev.attachments || []).map(fileEl).filter(Boolean);
    if (files.length) bubble.append(h("div", { class: "files" }, files));
    if (!ev.body && files.length) bubble.classList.add("only-files");
    el.append(bubble);
    const time = formatTime(ev.created_at);
    el.append(h("div", { class: "meta", text: pending ? t("Sending…") : time }));
    return el;
  }

  function placeEvent(ev) {
    const el = messageEl(ev);
    eventEls.set(ev.id, el);
    // Keep events in id order; unacknowledged messages always stay at the bottom.
    let before = null;
    for (const child of ui.messages.children) {
      const id = child.dataset.eventId !== undefined ? Number(child.dataset.eventId) : NaN;
      if (child.dataset.state === "sending" || child.dataset.state === "failed" || id > ev.id) {
        before = child;
        break;
      }
    }
    ui.messages.insertBefore(el, before);
    groupWithPrevious(el);
    if (before) groupWithPrevious(before);
  }

  function placePending(item) {
    const el = messageEl(
      { author_type: "customer", body: item.body, attachments: item.files || [], created_at: item.created_at },
      true
    );
    pendingEls.set(item.client_id, el);
    ui.messages.append(el);
    groupWithPrevious(el);
  }

  // Consecutive messages from the same person share one name label and avatar.
  function groupWithPrevious(el) {
    if (!el.classList.contains("msg")) return;
    const prev = el.previousElementSibling;
    const same =
      prev && prev.classList.contains("msg") && prev.dataset.author === el.dataset.author && prev.dataset.name === el.dataset.name;
    el.classList.toggle("cont", Boolean(same));
  }

  function addSystemLine(text) {
    const line = h("div", { class: "system", testid: "cc-system", role: "note" }, h("span", { text }));
    // Lines belong in time order with the events, above messages still being sent.
    const firstPending = Array.from(ui.messages.children).find((c) => c.dataset.state === "sending");
    ui.messages.insertBefore(line, firstPending || null);
    scrollToBottom(false);
  }

  function clearEvents() {
    for (const child of Array.from(ui.messages.children)) {
      if (child === ui.greeting || child.dataset.state === "sending") continue;
      child.remove();
    }
    eventEls.clear();
  }

  const URL_RE = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]}]/gi;

  function richText(text) {
    const frag = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(URL_RE)) {
      frag.append(text.slice(last, match.index));
      frag.append(h("a", { href: match[0], target: "_blank", rel: "noopener noreferrer nofollow", text: match[0] }));
      last = match.index + match[0].length;
    }
    frag.append(text.slice(last));
    return frag;
  }

  function fileEl(att) {
    const href = absoluteUrl(att && att.url);
    if (!href) return null;
    const name = att.filename || "file";
    if (/^image\//.test(att.content_type || "")) {
      const img = h("img", { src: href, alt: name, loading: "lazy", testid: "cc-image" });
      img.addEventListener("load", () => scrollToBottom(false));
      return h("a", { class: "image", href, target: "_blank", rel: "noopener noreferrer", title: name }, img);
    }
    return h(
      "a",
      { class: "file", href, target: "_blank", rel: "noopener noreferrer", download: name, testid: "cc-file-link" },
      h("span", { class: "file-icon" }, icon("file", 20)),
      h("span", { class: "file-text" }, h("span", { class: "file-name", text: name }), h("span", { class: "file-size", text: `PDF · ${formatBytes(att.size)}` }))
    );
  }

  // ---------------------------------------------------------------------------------------
  // Attachments.
  async function uploadFiles(files) {
    for (const file of files) {
      const typeOk = ACCEPTED_TYPES.includes(file.type) || (!file.type && ACCEPTED_EXT.test(file.name));
      if (!typeOk) {
        showNotice(t("“{file}” can't be sent: only images (PNG, JPEG, GIF, WebP) and PDF files are allowed.", { file: file.name }));
        continue;
      }
      if (file.size > state.maxBytes) {
        showNotice(t("“{file}” is {size}; files can be at most {max}.", { file: file.name, size: formatBytes(file.size), max: formatBytes(state.maxBytes) }));
        continue;
      }
      if (file.size === 0) {
        showNotice(t("“{file}” is empty.", { file: file.name }));
        continue;
      }
      if (!state.token) {
        showNotice(t("Still connecting — please try again in a moment."));
        return;
      }
      const placeholder = h(
        "div",
        { class: "msg mine uploading", testid: "cc-uploading", "data-state": "sending" },
        h("div", { class: "bubble" }, h("div", { class: "text" }, h("span", { class: "spinner", "aria-hidden": "true" }), `Uploading ${file.name}…`))
      );
      ui.messages.append(placeholder);
      scrollToBottom(true);
      try {
        const form = new FormData();
        form.append("file", file, file.name);
        let res;
        try {
          res = await fetch(UPLOAD_URL, {
            method: "POST",
            body: form,
            headers: { "X-Visitor-Token": state.token },
            mode: "cors",
            credentials: "omit",
          });
        } catch (_) {
          throw new Error("the upload did not reach us. Check your connection and try again.");
        }
        let data = null;
        try {
          data = await res.json();
        } catch (_) {
          /* not JSON */
        }
        if (!res.ok || !data || typeof data.token !== "string") {
          const reason = data && data.error && data.error.message;
          throw new Error(reason || t("the upload failed (HTTP {status}).", { status: res.status }));
        }
        placeholder.remove();
        sendMessage("", [data]);
      } catch (err) {
        placeholder.remove();
        showNotice(t("Couldn't send “{file}”: {reason}", { file: file.name, reason: err.message }));
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Typing.
  function noteTyping() {
    const conv = state.conversation;
    const live = conv && (conv.status === "waiting" || conv.status === "connected");
    if (!live || !state.ready) return;
    if (!ui.input.value.trim()) {
      stopTyping();
      return;
    }
    const now = Date.now();
    if (!state.typingActive || now - state.typingSentAt > TYPING_REPEAT_MS) {
      if (send({ type: "typing", state: true })) {
        state.typingActive = true;
        state.typingSentAt = now;
      }
    }
    clearTimeout(state.typingIdleTimer);
    state.typingIdleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    clearTimeout(state.typingIdleTimer);
    if (!state.typingActive) return;
    state.typingActive = false;
    send({ type: "typing", state: false });
  }

  function setRemoteTyping(name) {
    clearTimeout(state.remoteTypingTimer);
    state.remoteTyping = name;
    if (name) state.remoteTypingTimer = setTimeout(() => setRemoteTyping(null), REMOTE_TYPING_MS);
    renderTyping();
  }

  // ---------------------------------------------------------------------------------------
  // Pre-chat, ending, rating, starting over.
  function submitPrechat(e) {
    e.preventDefault();
    for (const el of [ui.nameError, ui.emailError, ui.formError]) el.textContent = "";
    ui.name.removeAttribute("aria-invalid");
    ui.email.removeAttribute("aria-invalid");
    const name = ui.name.value.trim();
    const email = ui.email.value.trim();
    if (!name && !email) {
      finishPrechat();
      return;
    }
    if (!state.ready) {
      ui.formError.textContent = t("Still connecting — one moment, then try again.");
      return;
    }
    const frame = { type: "profile" };
    if (name) frame.name = name;
    if (email) frame.email = email;
    state.pendingProfile = send(frame);
    render();
  }

  function finishPrechat() {
    state.prechatDone = true;
    storage.setJSON("prechat", true);
    state.view = "chat";
    render();
    ui.input.focus();
  }

  function endChat() {
    if (!state.conversation || state.conversation.status === "ended") return;
    stopTyping();
    state.pendingEnd = send({ type: "end" });
    if (!state.pendingEnd) showNotice(t("You're offline right now — try again once we reconnect."));
    render();
  }

  function pickRating(n) {
    state.rating = n;
    ui.rateError.textContent = "";
    paintStars(n);
    render();
  }

  function paintStars(upTo) {
    ui.stars.forEach((star, i) => {
      star.classList.toggle("on", i < upTo);
      star.setAttribute("aria-pressed", String(i + 1 === state.rating));
    });
  }

  function submitRating() {
    if (!state.rating || state.pendingCsat) return;
    const frame = { type: "csat", rating: state.rating };
    const comment = ui.comment.value.trim();
    if (comment) frame.comment = comment;
    state.pendingCsat = send(frame);
    if (!state.pendingCsat) ui.rateError.textContent = t("You're offline right now — try again once we reconnect.");
    render();
  }

  function skipRating() {
    state.ratingSkipped = true;
    render();
    ui.newChat.focus();
  }

  function newChat() {
    hideNotice();
    if (state.conversation) {
      state.freshAfter = state.conversation.id;
      storage.setJSON("fresh", state.freshAfter);
    }
    state.conversation = null;
    state.agentName = "";
    state.queue = null;
    state.rating = 0;
    state.ratingSubmitted = false;
    state.ratingSkipped = false;
    ui.comment.value = "";
    ui.rateError.textContent = "";
    paintStars(0);
    setRemoteTyping(null);
    clearEvents();
    state.view = "chat";
    render();
    ui.input.focus();
  }

  // ---------------------------------------------------------------------------------------
  // Rendering state onto the page.
  function setOpen(open) {
    state.open = open;
    ui.root.classList.toggle("open", open);
    ui.launcher.setAttribute("aria-expanded", String(open));
    ui.launcher.setAttribute("aria-label", open ? t("Close chat") : t("Open chat"));
    if (open) {
      clearUnread();
      reconnectNow();
      render();
      scrollToBottom(true);
      setTimeout(focusFirst, 60);
    } else {
      if (shadow.activeElement && ui.panel.contains(shadow.activeElement)) ui.launcher.focus();
      render();
    }
  }

  function focusFirst() {
    if (!state.open) return;
    const target =
      state.view === "prechat" ? ui.name : !ui.composer.hidden ? ui.input : !ui.rating.hidden ? ui.stars[0] : !ui.done.hidden ? ui.newChat : ui.close;
    target.focus({ preventScroll: true });
  }

  function clearUnread() {
    state.unread = 0;
    renderBadge();
  }

  function render() {
    const conv = state.conversation;
    const view = state.stopped ? "unavailable" : state.view;
    ui.loading.hidden = view !== "loading";
    ui.unavailable.hidden = view !== "unavailable";
    ui.prechat.hidden = view !== "prechat";
    ui.chat.hidden = view !== "chat";
    ui.root.classList.toggle("stopped", state.stopped);

    // Header.
    let subtitle = t("We're here to help");
    if (state.stopped) subtitle = t("Unavailable");
    else if (conv && conv.status === "connected") subtitle = state.agentName ? t("{name} · Online", { name: state.agentName }) : t("An agent is with you");
    else if (conv && conv.status === "waiting") subtitle = t("Waiting for an agent");
    else if (conv && conv.status === "ended") subtitle = t("This chat has ended");
    ui.subtitle.textContent = subtitle;
    ui.avatar.textContent = "";
    if (conv && conv.status === "connected" && state.agentName) {
      ui.avatar.append(h("span", { text: initials(state.agentName) }));
      ui.avatar.classList.add("online");
    } else {
      ui.avatar.append(icon("headset", 20));
      ui.avatar.classList.remove("online");
    }
    ui.end.hidden = state.stopped || !conv || conv.status === "ended" || view !== "chat";
    ui.end.disabled = !state.ready || state.pendingEnd;
    ui.end.textContent = state.pendingEnd ? t("Ending…") : t("End chat");

    // Connection line.
    let status = "";
    if (state.stopped) status = t("Chat is not available on this site");
    else if (!state.ready && (state.everReady || (state.token && state.attempts > 0))) status = t("Reconnecting…");
    else if (!state.ready && state.attempts > 1) status = t("Can't reach the chat server — retrying…");
    ui.status.textContent = status;
    ui.status.hidden = !status;
    ui.status.classList.toggle("bad", state.stopped);

    // Pre-chat.
    ui.start.disabled = state.pendingProfile;
    ui.start.textContent = state.pendingProfile ? t("Starting…") : t("Start chat");

    // Conversation footer.
    const ended = Boolean(conv && conv.status === "ended");
    ui.queue.hidden = !(conv && conv.status === "waiting");
    ui.queue.textContent = queueText();
    ui.rating.hidden = !(ended && !conv.rated && !state.ratingSkipped);
    ui.done.hidden = !(ended && (conv.rated || state.ratingSkipped));
    ui.doneText.textContent = state.ratingSubmitted ? t("Thanks for your feedback") : t("Need anything else?");
    ui.done.classList.toggle("thanks", state.ratingSubmitted);
    ui.composer.hidden = ended || state.stopped;
    ui.rate.disabled = !state.rating || state.pendingCsat || !state.ready;
    ui.rate.textContent = state.pendingCsat ? t("Sending…") : t("Send rating");
    paintStars(state.rating);
    renderTyping();
    updateSendButton();
    renderBadge();
  }

  function queueText() {
    const q = state.queue;
    if (!q) return t("Waiting for the next available agent…");
    if (q.wait === -1) return t("No agent is online right now — we'll answer as soon as someone is");
    const minutes = Math.max(1, Math.ceil(q.wait / 60));
    // Babel's JS extractor does not look inside another t() call, so the parts come first.
    const wait = t("about {duration}", { duration: formatMinutes(minutes) });
    return t("You are number {position} in the queue · estimated wait {wait}", { position: formatNumber(q.position), wait });
  }

  function renderTyping() {
    const show = Boolean(state.remoteTyping && state.conversation && state.conversation.status !== "ended");
    ui.typing.hidden = !show;
    ui.typing.textContent = "";
    if (show) {
      ui.typing.append(
        h("span", { class: "dots small", "aria-hidden": "true" }, h("span"), h("span"), h("span")),
        h("span", { text: t("{name} is typing…", { name: state.remoteTyping }) })
      );
    }
  }

  function renderBadge() {
    const n = state.open ? 0 : state.unread;
    ui.badge.hidden = n === 0;
    ui.badge.textContent = n > 9 ? "9+" : String(n);
    ui.launcher.setAttribute(
      "aria-label",
      state.open ? t("Close chat") : n === 1 ? t("Open chat, 1 new message") : n ? t("Open chat, {num} new messages", { num: n }) : t("Open chat")
    );
  }

  function updateSendButton() {
    ui.send.disabled = !ui.input.value.trim() || state.stopped;
  }

  function autoGrow() {
    ui.input.style.height = "auto";
    ui.input.style.height = Math.min(ui.input.scrollHeight, 132) + "px";
  }

  let noticeTimer = 0;
  function showNotice(text) {
    clearTimeout(noticeTimer);
    ui.notice.textContent = "";
    ui.notice.append(
      h("span", { text }),
      h("button", { type: "button", class: "icon-btn tiny", "aria-label": t("Dismiss"), onclick: hideNotice }, icon("close", 14))
    );
    ui.notice.hidden = false;
    noticeTimer = setTimeout(hideNotice, 9000);
  }

  function hideNotice() {
    ui.notice.hidden = true;
  }

  function scrollToBottom(force) {
    if (!force && !state.pinned) return;
    requestAnimationFrame(() => {
      ui.messages.scrollTop = ui.messages.scrollHeight;
      state.pinned = true;
    });
  }

  // ---------------------------------------------------------------------------------------
  // Utilities.
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

  // White or near-black text, whichever reads better on the configured colour.
  function readableOn(color) {
    const probe = document.createElement("span");
    probe.style.color = color;
    shadow.append(probe);
    const rgb = (getComputedStyle(probe).color.match(/[\d.]+/g) || ["79", "70", "229"]).map(Number);
    probe.remove();
    const lin = rgb.slice(0, 3).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    const luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
    return luminance > 0.45 ? "#111827" : "#ffffff";
  }

  function loadOutbox() {
    const items = storage.getJSON("outbox", []);
    return Array.isArray(items) ? items.filter((m) => m && typeof m.client_id === "string") : [];
  }

  function saveOutbox() {
    if (state.outbox.length) storage.setJSON("outbox", state.outbox);
    else storage.remove("outbox");
  }

  function uuid() {
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

  function absoluteUrl(url) {
    if (typeof url !== "string" || !url) return null;
    try {
      const parsed = new URL(url, ORIGIN);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (_) {
      return null;
    }
  }

  function formatTime(iso) {
    if (!iso) return "";
    // The server writes UTC; a timestamp without an offset would otherwise be read as local time.
    const text = /[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : iso + "Z";
    const date = new Date(text);
    if (Number.isNaN(date.getTime())) return "";
    const sameDay = date.toDateString() === new Date().toDateString();
    const opts = sameDay ? { hour: "numeric", minute: "2-digit" } : { month: "short", day: "numeric", hour: "numeric", minute: "2-digit" };
    return new Intl.DateTimeFormat(LANG, opts).format(date);
  }

  function formatBytes(n) {
    if (!(n >= 0)) return "";
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
    const mb = n / (1024 * 1024);
    return `${mb >= 10 ? Math.round(mb) : mb.toFixed(1).replace(/\.0$/, "")} MB`;
  }

  function initials(name) {
    const parts = String(name).trim().split(/\s+/).filter(Boolean);
    if (!parts.length) return "?";
    const first = Array.from(parts[0])[0] || "";
    const last = parts.length > 1 ? Array.from(parts[parts.length - 1])[0] || "" : "";
    return (first + last).toUpperCase();
  }

  // Last, so every binding above is initialised before the widget first renders.
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount, { once: true });

  // ---------------------------------------------------------------------------------------
  // Styles. Everything is scoped by the shadow root; :host resets what the page would pass down.
  function STYLE() {
    return `
:host { all: initial; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.root {
  --cc-on-accent: #fff;
  --cc-text: #1f2328;
  --cc-muted: #6b7280;
  --cc-line: #e5e7eb;
  --cc-soft: #f3f4f6;
  --cc-tint: #eef2ff;
  --cc-tint: color-mix(in srgb, var(--cc-accent) 10%, #fff);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans",
    "PingFang SC", "Hiragino Sans", "Hiragino Kaku Gothic ProN", "Microsoft YaHei", "Malgun Gothic",
    "Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK KR", sans-serif, "Apple Color Emoji", "Segoe UI Emoji";
  font-size: 14px; line-height: 1.45; color: var(--cc-text); text-align: left; direction: ltr;
  -webkit-font-smoothing: antialiased; letter-spacing: normal; font-weight: 400;
}
/* Traditional Chinese gets Traditional glyph forms (TC fonts) before the SC ones above. */
.root:lang(zh-Hant) {
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "PingFang TC",
    "Microsoft JhengHei", "Noto Sans CJK TC", "Noto Sans CJK SC", sans-serif, "Apple Color Emoji", "Segoe UI Emoji";
}
button, input, textarea { font: inherit; color: inherit; letter-spacing: inherit; }
button { cursor: pointer; }
button:disabled { cursor: default; }
:focus-visible { outline: 2px solid var(--cc-accent); outline-offset: 2px; }

.launcher {
  position: fixed; right: 20px; bottom: 20px; width: 58px; height: 58px; border-radius: 50%;
  border: 0; padding: 0; background: var(--cc-accent); color: var(--cc-on-accent);
  box-shadow: 0 6px 20px rgba(17, 24, 39, .22), 0 2px 6px rgba(17, 24, 39, .12);
  display: grid; place-items: center; transition: transform .18s ease, box-shadow .18s ease;
}
.launcher:hover { transform: scale(1.06); box-shadow: 0 10px 28px rgba(17, 24, 39, .26); }
.launcher:focus-visible { outline: 3px solid var(--cc-accent); outline-offset: 3px; }
.launch-icon { grid-area: 1 / 1; display: grid; place-items: center; transition: transform .2s ease, opacity .2s ease; }
.close-icon { opacity: 0; transform: rotate(-90deg) scale(.6); }
.open .open-icon { opacity: 0; transform: rotate(90deg) scale(.6); }
.open .close-icon { opacity: 1; transform: none; }
.badge {
  position: absolute; top: -3px; right: -3px; min-width: 20px; height: 20px; padding: 0 6px;
  border-radius: 10px; background: #ef4444; color: #fff; font-size: 11.5px; font-weight: 700;
  line-height: 20px; text-align: center; border: 2px solid #fff; box-sizing: content-box;
}

.panel {
  position: fixed; right: 20px; bottom: 92px; width: 380px; height: min(660px, calc(100vh - 116px));
  display: flex; flex-direction: column; overflow: hidden; background: #fff; border-radius: 18px;
  box-shadow: 0 16px 48px rgba(17, 24, 39, .22), 0 2px 8px rgba(17, 24, 39, .08);
  visibility: hidden; opacity: 0; transform: translateY(14px) scale(.98); transform-origin: bottom right;
  transition: opacity .2s ease, transform .2s ease, visibility 0s linear .2s;
}
.open .panel { visibility: visible; opacity: 1; transform: none; transition-delay: 0s; }

.header {
  display: flex; align-items: center; gap: 8px; padding: 16px 12px 16px 16px; flex: none;
  background: var(--cc-accent); color: var(--cc-on-accent);
  background-image: linear-gradient(135deg, rgba(255,255,255,.14), rgba(0,0,0,.06));
}
.avatar {
  width: 38px; height: 38px; border-radius: 50%; flex: none; display: grid; place-items: center;
  background: rgba(255,255,255,.2); font-weight: 700; font-size: 14px; position: relative;
}
.avatar.online::after {
  content: ""; position: absolute; right: 0; bottom: 0; width: 10px; height: 10px; border-radius: 50%;
  background: #22c55e; border: 2px solid var(--cc-accent);
}
.heading { flex: 1; min-width: 0; }
.title { font-size: 15.5px; font-weight: 700; line-height: 1.25; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.subtitle { font-size: 12.5px; opacity: .88; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.end {
  flex: none; border: 0; border-radius: 999px; padding: 5px 10px; font-size: 12px; font-weight: 600;
  background: rgba(255,255,255,.2); color: inherit;
}
.end:hover:not(:disabled) { background: rgba(255,255,255,.3); }
.end:disabled { opacity: .6; }
.header :focus-visible { outline-color: var(--cc-on-accent); }
.icon-btn {
  border: 0; background: transparent; color: inherit; width: 36px; height: 36px; border-radius: 10px;
  display: grid; place-items: center; padding: 0; flex: none;
}
.header .icon-btn:hover { background: rgba(255,255,255,.18); }

.statusbar {
  flex: none; padding: 7px 16px; font-size: 12.5px; text-align: center; background: #fef3c7; color: #92400e;
  border-bottom: 1px solid #fde68a;
}
.statusbar.bad { background: #fee2e2; color: #991b1b; border-bottom-color: #fecaca; font-weight: 600; font-size: 13.5px; padding: 12px 16px; }

.body { flex: 1; min-height: 0; display: flex; flex-direction: column; background: #fff; }
.view { flex: 1; min-height: 0; display: flex; flex-direction: column; }
.center { align-items: center; justify-content: center; gap: 12px; padding: 32px; text-align: center; }
.big-icon { color: #9ca3af; }
.muted { color: var(--cc-muted); margin: 0; }
.small { font-size: 12.5px; }

.dots { display: inline-flex; gap: 5px; }
.dots span { width: 8px; height: 8px; border-radius: 50%; background: var(--cc-accent); opacity: .35; animation: cc-blink 1.2s infinite ease-in-out; }
.dots span:nth-child(2) { animation-delay: .15s; }
.dots span:nth-child(3) { animation-delay: .3s; }
.dots.small span { width: 5px; height: 5px; background: var(--cc-muted); }
@keyframes cc-blink { 0%, 80%, 100% { opacity: .25; transform: translateY(0); } 40% { opacity: 1; transform: translateY(-2px); } }

.prechat { overflow-y: auto; padding: 18px 16px 20px; gap: 14px; background: var(--cc-soft); }
.intro .greeting-text { margin: 0; font-size: 15px; font-weight: 600; line-height: 1.4; }
.card {
  background: #fff; border-radius: 14px; padding: 16px; display: flex; flex-direction: column;
  box-shadow: 0 1px 3px rgba(17, 24, 39, .08); border: 1px solid var(--cc-line);
}
.card h2 { font-size: 15px; margin: 0 0 4px; }
.card .small { margin-bottom: 10px; }
label { font-size: 12.5px; font-weight: 600; margin: 8px 0 4px; color: #374151; }
input[type=text], input[type=email], .comment {
  width: 100%; border: 1px solid #d1d5db; border-radius: 10px; padding: 9px 11px; background: #fff;
  font-size: 14px; transition: border-color .15s, box-shadow .15s;
}
input[type=text]:focus, input[type=email]:focus, .comment:focus {
  outline: none; border-color: var(--cc-accent); box-shadow: 0 0 0 3px var(--cc-tint);
}
input[aria-invalid=true] { border-color: #dc2626; }
.field-error { color: #b91c1c; font-size: 12.5px; margin-top: 4px; }
.field-error:empty { display: none; }
.primary, .secondary {
  border-radius: 10px; padding: 10px 16px; font-weight: 600; font-size: 14px; border: 1px solid transparent;
}
.primary { background: var(--cc-accent); color: var(--cc-on-accent); }
.primary:hover:not(:disabled) { filter: brightness(1.06); }
.primary:disabled { opacity: .45; }
.secondary { background: #fff; color: var(--cc-accent); border-color: currentColor; }
.secondary:hover { background: var(--cc-tint); }
.wide { width: 100%; margin-top: 16px; }
.link { border: 0; background: none; padding: 6px 4px; color: var(--cc-muted); font-size: 13px; text-decoration: underline; text-underline-offset: 2px; }
.link:hover { color: var(--cc-text); }
.link.inline { padding: 0; font-size: inherit; color: inherit; }
.skip-row { text-align: center; margin-top: 6px; }

.chat { position: relative; }
.chat.dragging::after {
  content: attr(data-drop-label); position: absolute; inset: 8px; border: 2px dashed var(--cc-accent); border-radius: 14px;
  background: rgba(255,255,255,.88); display: grid; place-items: center; font-weight: 600; color: var(--cc-accent);
}
.messages {
  flex: 1; min-height: 0; overflow-y: auto; padding: 16px 14px 8px; display: flex; flex-direction: column;
  gap: 2px; overscroll-behavior: contain; scroll-behavior: auto;
}
.messages:focus-visible { outline-offset: -2px; }
.greeting { display: grid; grid-template-columns: 28px 1fr; gap: 8px; align-items: end; margin-bottom: 10px; }
.greeting .bubble { justify-self: start; }
.msg { display: grid; grid-template-columns: 28px minmax(0, 1fr); column-gap: 8px; margin-top: 10px; }
.msg.cont { margin-top: 2px; }
.msg.mine { grid-template-columns: minmax(0, 1fr); justify-items: end; }
.msg.theirs { justify-items: start; }
.who { grid-column: 2; font-size: 12px; color: var(--cc-muted); margin: 0 0 3px 4px; font-weight: 600; }
.msg-avatar {
  grid-column: 1; align-self: end; width: 28px; height: 28px; border-radius: 50%; background: var(--cc-tint);
  color: var(--cc-accent); display: grid; place-items: center; font-size: 11px; font-weight: 700;
}
.msg.cont .who, .msg.cont .msg-avatar { visibility: hidden; }
.msg.cont .who { display: none; }
.bubble {
  grid-column: 2; max-width: 84%; padding: 9px 13px; border-radius: 18px; background: var(--cc-soft);
  color: var(--cc-text); white-space: pre-wrap; overflow-wrap: anywhere; word-break: break-word; line-break: auto;
}
.msg.theirs .bubble, .greeting .bubble { border-bottom-left-radius: 6px; }
.msg.mine .bubble { grid-column: 1; background: var(--cc-accent); color: var(--cc-on-accent); border-bottom-right-radius: 6px; }
.msg.mine.cont .bubble { border-top-right-radius: 6px; }
.msg.theirs.cont .bubble { border-top-left-radius: 6px; }
.bubble a { color: inherit; text-decoration: underline; text-underline-offset: 2px; }
.msg .bubble.only-files { background: transparent; padding: 0; }
.msg[data-state=sending] .bubble { opacity: .65; }
.msg[data-state=failed] .bubble { background: #fee2e2; color: #7f1d1d; }
.meta { grid-column: 2; font-size: 11px; color: #9ca3af; margin: 3px 6px 0; min-height: 0; }
.msg.mine .meta { grid-column: 1; }
.meta:empty { display: none; }
.meta .failed { color: #b91c1c; }
.msg.mine[data-state=sent]:has(+ .msg.mine.cont) .meta, .msg.theirs:has(+ .msg.theirs.cont) .meta { display: none; }
.files { display: flex; flex-direction: column; gap: 6px; }
.text + .files { margin-top: 8px; }
.image { display: block; border-radius: 14px; overflow: hidden; line-height: 0; background: var(--cc-soft); border: 1px solid var(--cc-line); }
.image img { display: block; max-width: 100%; width: auto; max-height: 220px; min-width: 60px; min-height: 40px; object-fit: cover; }
.file {
  display: flex; align-items: center; gap: 10px; padding: 10px 12px; border-radius: 12px; text-decoration: none !important;
  background: #fff; color: var(--cc-text) !important; border: 1px solid var(--cc-line); min-width: 180px;
}
.file:hover { border-color: var(--cc-accent); }
.file-icon { width: 34px; height: 34px; border-radius: 8px; background: #fee2e2; color: #b91c1c; display: grid; place-items: center; flex: none; }
.file-text { display: flex; flex-direction: column; min-width: 0; }
.file-name { font-weight: 600; font-size: 13px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.file-size { font-size: 11.5px; color: var(--cc-muted); }
.uploading .text { display: inline-flex; align-items: center; gap: 8px; }
.spinner {
  width: 14px; height: 14px; border-radius: 50%; border: 2px solid currentColor; border-right-color: transparent;
  animation: cc-spin .8s linear infinite; flex: none;
}
@keyframes cc-spin { to { transform: rotate(360deg); } }
.system { display: flex; align-items: center; gap: 10px; margin: 14px 4px 4px; color: var(--cc-muted); font-size: 12px; text-align: center; }
.system::before, .system::after { content: ""; flex: 1; height: 1px; background: var(--cc-line); }

.footer { flex: none; padding: 6px 12px 12px; display: flex; flex-direction: column; gap: 8px; }
.notice {
  display: flex; align-items: flex-start; gap: 8px; padding: 8px 8px 8px 12px; border-radius: 10px;
  background: #fee2e2; color: #991b1b; font-size: 12.5px;
}
.notice span { flex: 1; padding-top: 3px; }
.icon-btn.tiny { width: 24px; height: 24px; border-radius: 6px; }
.queue {
  font-size: 12.5px; padding: 8px 12px; border-radius: 10px; background: var(--cc-tint); color: #374151; text-align: center;
}
.typing { display: flex; align-items: center; gap: 8px; font-size: 12.5px; color: var(--cc-muted); padding: 0 6px; }
.composer {
  display: flex; align-items: flex-end; gap: 4px; border: 1px solid #d1d5db; border-radius: 14px; padding: 4px 4px 4px 12px;
  background: #fff; transition: border-color .15s, box-shadow .15s;
}
.composer:focus-within { border-color: var(--cc-accent); box-shadow: 0 0 0 3px var(--cc-tint); }
.composer textarea {
  flex: 1; min-width: 0; border: 0; outline: none; resize: none; padding: 8px 0; max-height: 132px;
  background: transparent; font-size: 14.5px; line-height: 1.4; overflow-y: auto;
}
.composer textarea::placeholder, input::placeholder, .comment::placeholder { color: #9ca3af; }
.tools { display: flex; gap: 2px; align-items: center; }
.tool { color: var(--cc-muted); }
.tool:hover { background: var(--cc-soft); color: var(--cc-text); }
.send {
  width: 36px; height: 36px; border-radius: 10px; border: 0; display: grid; place-items: center; padding: 0;
  background: var(--cc-accent); color: var(--cc-on-accent); transition: opacity .15s;
}
.send:disabled { opacity: .35; }
.panel-card {
  border: 1px solid var(--cc-line); border-radius: 14px; padding: 14px; display: flex; flex-direction: column;
  gap: 10px; align-items: stretch; background: #fff; box-shadow: 0 1px 3px rgba(17, 24, 39, .06);
}
.panel-card h3 { margin: 0; font-size: 15px; text-align: center; }
.stars { display: flex; justify-content: center; gap: 4px; }
.star { border: 0; background: none; padding: 2px; color: #d1d5db; border-radius: 8px; transition: transform .12s, color .12s; }
.star svg { fill: currentColor; stroke: currentColor; stroke-width: 1; }
.star.on { color: #f59e0b; }
.star:hover { transform: scale(1.12); }
.comment { resize: vertical; min-height: 56px; max-height: 160px; }
.row { display: flex; justify-content: space-between; align-items: center; gap: 8px; }
.done { align-items: center; }
.done.thanks h3::before { content: "✓"; display: block; margin: 0 auto 6px; width: 34px; height: 34px; line-height: 34px; border-radius: 50%; background: #dcfce7; color: #15803d; }

@media (max-width: 480px) {
  .panel { inset: 0; right: 0; bottom: 0; width: 100%; height: 100%; border-radius: 0; }
  .open .launcher { display: none; }
  .launcher { right: 16px; bottom: 16px; }
  /* 16px keeps iOS from zooming into a focused field. */
  .composer textarea, input[type=text], input[type=email], .comment { font-size: 16px; }
  .footer { padding-bottom: calc(12px + env(safe-area-inset-bottom, 0px)); }
}
@media (prefers-reduced-motion: reduce) {
  .panel, .launcher, .launch-icon { transition: none; }
  .dots span, .spinner { animation: none; }
}
`;
  }
})();
