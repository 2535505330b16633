/*
 * Web chat widget: the end of a chat — ending it, the rating card (CSAT: 1–5 stars and an
 * optional comment, sent as a `csat` frame), and starting a new chat afterwards.
 */
import { late } from "./late.js";
import { t } from "./i18n.js";
import { state, storage } from "./state.js";
import { h, icon } from "./dom.js";
import { ui } from "./shell.js";
import { clearEvents, hideNotice, showNotice } from "./messages.js";
import { setRemoteTyping, stopTyping } from "./typing.js";

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

// "End chat" asks first: a stray tap must not end the conversation.
ui.endConfirm = h(
  "div",
  { class: "panel-card confirm-end", testid: "cc-end-confirm", role: "alertdialog", "aria-labelledby": "cc-end-q", hidden: true },
  h("h3", { id: "cc-end-q", text: t("End this chat?") }),
  h("p", { class: "muted", text: t("You can still read it afterwards, but the agent can no longer reply here.") }),
  h(
    "div",
    { class: "row" },
    h("button", { type: "button", class: "secondary", testid: "cc-end-cancel", text: t("Keep chatting"), onclick: () => confirmEnd(false) }),
    h("button", { type: "button", class: "primary danger", testid: "cc-end-yes", text: t("End chat"), onclick: () => confirmEnd(true) })
  )
);

export function askEndChat() {
  if (!state.conversation || state.conversation.status === "ended") return;
  state.confirmingEnd = true;
  late.render();
  ui.endConfirm.querySelector("[data-testid=cc-end-cancel]").focus();
}

function confirmEnd(yes) {
  state.confirmingEnd = false;
  if (yes) endChat();
  else {
    late.render();
    ui.input.focus();
  }
}

function endChat() {
  if (!state.conversation || state.conversation.status === "ended") return;
  stopTyping();
  state.pendingEnd = late.send({ type: "end" });
  if (!state.pendingEnd) showNotice(t("You're offline right now — try again once we reconnect."));
  late.render();
}

function pickRating(n) {
  state.rating = n;
  ui.rateError.textContent = "";
  paintStars(n);
  late.render();
}

export function paintStars(upTo) {
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
  state.pendingCsat = late.send(frame);
  if (!state.pendingCsat) ui.rateError.textContent = t("You're offline right now — try again once we reconnect.");
  late.render();
}

function skipRating() {
  state.ratingSkipped = true;
  late.render();
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
  late.render();
  ui.input.focus();
}

// For the earlier parts that call back here (late.js).
late.askEndChat = askEndChat;
