/*
 * Web chat widget: the message list — each message keyed by its event id (so the server's
 * echo of our own message never shows twice), pending ones at the bottom, links and files,
 * system lines — and the notice line for errors.
 */
import { formatTime, t } from "./i18n.js";
import { CONFIG, eventEls, pendingEls, state, storage } from "./state.js";
import { absoluteUrl, formatBytes, h, icon, initials } from "./dom.js";
import { ui } from "./shell.js";

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

export function messageEl(ev, pending) {
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

export function placeEvent(ev) {
  const el = messageEl(ev);
  eventEls.set(ev.id, el);
  // Keep events in id order; unacknowledged messages always stay at the bottom.
  let before = null;
  for (const child of ui.messages.children) {
    const id = child.dataset.eventId !== undefined ? Number(child.dataset.eventId) : NaN;
    const lineAfter = child.dataset.after !== undefined ? Number(child.dataset.after) : NaN;
    if (child.dataset.state === "sending" || child.dataset.state === "failed" || id > ev.id || lineAfter >= ev.id) {
      before = child;
      break;
    }
  }
  ui.messages.insertBefore(el, before);
  groupWithPrevious(el);
  if (before) groupWithPrevious(before);
}

export function placePending(item) {
  const el = messageEl(
    { author_type: "customer", body: item.body, attachments: item.files || [], created_at: item.created_at },
    true
  );
  pendingEls.set(item.client_id, el);
  ui.messages.append(el);
  groupWithPrevious(el);
}

// Consecutive messages from the same person share one name label and avatar.
export function groupWithPrevious(el) {
  if (!el.classList.contains("msg")) return;
  const prev = el.previousElementSibling;
  const same =
    prev && prev.classList.contains("msg") && prev.dataset.author === el.dataset.author && prev.dataset.name === el.dataset.name;
  el.classList.toggle("cont", Boolean(same));
}

// A status line ("Alice joined the chat") is not in the history the server sends, so it is
// remembered in the browser with the id of the event it followed and put back after a reload.
export function addSystemLine(text, convId) {
  let after = 0;
  for (const id of eventEls.keys()) after = Math.max(after, id);
  placeSystemLine(text, after);
  if (convId === undefined || convId === null) return;
  const saved = storage.getJSON("lines", null);
  const items = saved && saved.conv === convId && Array.isArray(saved.items) ? saved.items : [];
  items.push({ text, after });
  storage.setJSON("lines", { conv: convId, items: items.slice(-20) });
}

function placeSystemLine(text, after) {
  const line = h("div", { class: "system", testid: "cc-system", role: "note", "data-after": String(after) }, h("span", { text }));
  // Lines belong in time order with the events, above messages still being sent.
  const next = Array.from(ui.messages.children).find(
    (c) => c.dataset.state === "sending" || c.dataset.state === "failed" || (c.dataset.eventId !== undefined && Number(c.dataset.eventId) > after)
  );
  ui.messages.insertBefore(line, next || null);
  scrollToBottom(false);
}

/** After a reload: the lines this browser saw for this conversation, where they were. */
export function restoreSystemLines(convId) {
  const saved = storage.getJSON("lines", null);
  if (!saved || saved.conv !== convId || !Array.isArray(saved.items)) return;
  if (ui.messages.querySelector("[data-testid=cc-system]")) return; // already on screen
  for (const item of saved.items) if (item && typeof item.text === "string") placeSystemLine(item.text, Number(item.after) || 0);
}

export function clearEvents() {
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
    const link = h("a", { class: "image", href, target: "_blank", rel: "noopener noreferrer", title: name }, img);
    link.addEventListener("click", (e) => {
      if (e.ctrlKey || e.metaKey || e.shiftKey) return;
      e.preventDefault();
      openLightbox(href, name);
    });
    return link;
  }
  return h(
    "a",
    { class: "file", href, target: "_blank", rel: "noopener noreferrer", download: name, testid: "cc-file-link" },
    h("span", { class: "file-icon" }, icon("file", 20)),
    h("span", { class: "file-text" }, h("span", { class: "file-name", text: name }), h("span", { class: "file-size", text: `PDF · ${formatBytes(att.size)}` }))
  );
}

// Images open large inside the chat panel, not in a new tab (Escape or Close returns).
ui.lightbox = h(
  "div",
  { class: "lightbox", testid: "cc-lightbox", role: "dialog", "aria-modal": "true", "aria-label": t("Image"), hidden: true },
  h("img", { alt: "" }),
  h("button", { type: "button", class: "secondary", testid: "cc-lightbox-close", text: t("Close"), onclick: () => closeLightbox() })
);
ui.lightbox.addEventListener("keydown", (e) => {
  if (e.key === "Escape") {
    e.preventDefault();
    e.stopPropagation(); // the panel's Escape would minimise the chat
    closeLightbox();
  }
});

function openLightbox(href, name) {
  const img = ui.lightbox.querySelector("img");
  img.src = href;
  img.alt = name || "";
  ui.lightbox.hidden = false;
  ui.lightbox.querySelector("button").focus();
}

function closeLightbox() {
  ui.lightbox.hidden = true;
}

let noticeTimer = 0;
export function showNotice(text) {
  clearTimeout(noticeTimer);
  ui.notice.textContent = "";
  ui.notice.append(
    h("span", { text }),
    h("button", { type: "button", class: "icon-btn tiny", "aria-label": t("Dismiss"), onclick: hideNotice }, icon("close", 14))
  );
  ui.notice.hidden = false;
  noticeTimer = setTimeout(hideNotice, 9000);
}

export function hideNotice() {
  ui.notice.hidden = true;
}

export function scrollToBottom(force) {
  if (!force && !state.pinned) return;
  requestAnimationFrame(() => {
    ui.messages.scrollTop = ui.messages.scrollHeight;
    state.pinned = true;
  });
}
