/*
 * Web chat widget: the panel and the launcher put together into the shadow root, opening
 * and closing, and the unread badge.
 */
import { late } from "./late.js";
import { LANG, t } from "./i18n.js";
import { CONFIG, state } from "./state.js";
import { h, icon } from "./dom.js";
import { shadow, ui } from "./shell.js";
import { loadHours } from "./afterhours.js";
import { scrollToBottom } from "./messages.js";
import { acceptDroppedFiles } from "./composer.js";
import { reconnectNow } from "./connection.js";
import { render } from "./render.js";

ui.footer = h("div", { class: "footer" }, ui.notice, ui.queue, ui.typing, ui.endConfirm, ui.rating, ui.done, ui.composer);
ui.chat = h("div", { class: "view chat", "data-drop-label": t("Drop to send") }, ui.messages, ui.footer, ui.lightbox);
acceptDroppedFiles();

ui.body = h("div", { class: "body" }, ui.loading, ui.unavailable, ui.prechat, ui.afterHours, ui.chat);
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

export function setOpen(open) {
  state.open = open;
  ui.root.classList.toggle("open", open);
  ui.launcher.setAttribute("aria-expanded", String(open));
  ui.launcher.setAttribute("aria-label", open ? t("Close chat") : t("Open chat"));
  if (open) {
    clearUnread();
    reconnectNow();
    loadHours(); // a page left open past opening or closing time shows the right view
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

export function clearUnread() {
  state.unread = 0;
  renderBadge();
}

export function renderBadge() {
  const n = state.open ? 0 : state.unread;
  ui.badge.hidden = n === 0;
  ui.badge.textContent = n > 9 ? "9+" : String(n);
  ui.launcher.setAttribute(
    "aria-label",
    state.open ? t("Close chat") : n === 1 ? t("Open chat, 1 new message") : n ? t("Open chat, {num} new messages", { num: n }) : t("Open chat")
  );
}

// For the earlier parts that call back here (late.js).
Object.assign(late, { setOpen, renderBadge });
