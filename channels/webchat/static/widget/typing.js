/*
 * Web chat widget: typing indicators both ways — "still typing" frames while the visitor
 * writes, and "Alice is typing…" while an agent does.
 */
import { late } from "./late.js";
import { REMOTE_TYPING_MS, TYPING_IDLE_MS, TYPING_REPEAT_MS } from "./env.js";
import { t } from "./i18n.js";
import { state } from "./state.js";
import { h } from "./dom.js";
import { ui } from "./shell.js";

ui.typing = h("div", { class: "typing", testid: "cc-typing", hidden: true });

export function noteTyping() {
  const conv = state.conversation;
  const live = conv && (conv.status === "waiting" || conv.status === "connected");
  if (!live || !state.ready) return;
  if (!ui.input.value.trim()) {
    stopTyping();
    return;
  }
  const now = Date.now();
  if (!state.typingActive || now - state.typingSentAt > TYPING_REPEAT_MS) {
    if (late.send({ type: "typing", state: true })) {
      state.typingActive = true;
      state.typingSentAt = now;
    }
  }
  clearTimeout(state.typingIdleTimer);
  state.typingIdleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
}

export function stopTyping() {
  clearTimeout(state.typingIdleTimer);
  if (!state.typingActive) return;
  state.typingActive = false;
  late.send({ type: "typing", state: false });
}

export function setRemoteTyping(name) {
  clearTimeout(state.remoteTypingTimer);
  state.remoteTyping = name;
  if (name) state.remoteTypingTimer = setTimeout(() => setRemoteTyping(null), REMOTE_TYPING_MS);
  renderTyping();
}

export function renderTyping() {
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
