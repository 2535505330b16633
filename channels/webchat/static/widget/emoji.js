/*
 * Web chat widget: the emoji picker beside the attach button. The set is written here, so
 * nothing loads from another site; each emoji is its own button's name.
 */
import { t } from "./i18n.js";
import { h } from "./dom.js";
import { ui } from "./shell.js";

const EMOJI = ["😀", "😊", "🙂", "😉", "😂", "😅", "😍", "🤔", "😮", "😢", "🙁", "🙏",
  "👍", "👎", "👌", "👏", "🙌", "👋", "🎉", "✅", "❌", "❤️", "⭐", "📦"];

ui.emojiGrid = h(
  "div",
  { class: "emoji-grid", role: "group", "aria-label": t("Emoji"), testid: "cc-emoji-grid", hidden: true },
  EMOJI.map((e) => h("button", { type: "button", class: "emoji", text: e, testid: "cc-emoji", onclick: () => pickEmoji(e) }))
);
ui.emojiOpen = h(
  "button",
  {
    type: "button", class: "icon-btn tool", testid: "cc-emoji-open", "aria-label": t("Insert emoji"), title: t("Insert emoji"),
    "aria-expanded": "false", onclick: () => toggleEmoji(),
  },
  h("span", { class: "emoji-face", "aria-hidden": "true", text: "☺" })
);
ui.attach.before(ui.emojiOpen);
ui.composer.append(ui.emojiGrid);
ui.emojiGrid.addEventListener("keydown", (e) => {
  if (e.key === "Escape") {
    e.preventDefault();
    e.stopPropagation(); // the panel's Escape would minimise the chat
    toggleEmoji(false);
    ui.emojiOpen.focus();
  }
});

function toggleEmoji(open) {
  const show = open === undefined ? ui.emojiGrid.hidden : open;
  ui.emojiGrid.hidden = !show;
  ui.emojiOpen.setAttribute("aria-expanded", String(show));
  if (show) ui.emojiGrid.querySelector("button").focus();
}

function pickEmoji(e) {
  const input = ui.input;
  const start = input.selectionStart ?? input.value.length;
  const end = input.selectionEnd ?? input.value.length;
  input.value = input.value.slice(0, start) + e + input.value.slice(end);
  input.setSelectionRange(start + e.length, start + e.length);
  input.dispatchEvent(new Event("input"));
  toggleEmoji(false);
  input.focus();
}
