/*
 * Web chat widget: the host element and its shadow root, the header, the connection line,
 * and the "connecting" and "not available" views. panel.js puts the pieces together.
 */
import { late } from "./late.js";
import { t } from "./i18n.js";
import { CONFIG } from "./state.js";
import { h, icon } from "./dom.js";
import { STYLE } from "./styles.js";

export const host = document.createElement("cc-chat-widget");
// Inline !important beats any stylesheet rule the page may have for unknown elements.
host.setAttribute(
  "style",
  "all:initial !important;display:block !important;position:fixed !important;right:0 !important;" +
    "bottom:0 !important;width:0 !important;height:0 !important;z-index:2147483000 !important;"
);
export const shadow = host.attachShadow({ mode: "open" });

export const ui = {};
ui.style = h("style", { text: STYLE() });

// Header.
ui.avatar = h("div", { class: "avatar", "aria-hidden": "true" }, icon("headset", 20));
ui.title = h("div", { class: "title", id: "cc-title", text: CONFIG.title });
ui.subtitle = h("div", { class: "subtitle", testid: "cc-subtitle" });
ui.end = h("button", { type: "button", class: "end", testid: "cc-end", text: "End chat", onclick: () => late.askEndChat() });
ui.close = h(
  "button",
  { type: "button", class: "icon-btn", testid: "cc-close", "aria-label": t("Minimize chat"), onclick: () => late.setOpen(false) },
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
