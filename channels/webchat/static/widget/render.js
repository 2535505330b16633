/*
 * Web chat widget: render() puts the state on the page — which view shows, the header's
 * subtitle and avatar, the connection line, and the footer (queue, rating, composer).
 */
import { late } from "./late.js";
import { t } from "./i18n.js";
import { state } from "./state.js";
import { h, icon, initials } from "./dom.js";
import { ui } from "./shell.js";
import { awayShown } from "./afterhours.js";
import { queueText } from "./queue.js";
import { renderTyping } from "./typing.js";
import { paintStars } from "./csat.js";
import { updateSendButton } from "./composer.js";

export function render() {
  const conv = state.conversation;
  const view = state.stopped ? "unavailable" : state.view;
  ui.loading.hidden = view !== "loading";
  ui.unavailable.hidden = view !== "unavailable";
  ui.prechat.hidden = view !== "prechat";
  ui.chat.hidden = view !== "chat";
  // Outside business hours with nothing under way: the hours and the left-message form.
  const away = awayShown();
  ui.afterHours.hidden = !away;
  if (away) ui.loading.hidden = ui.prechat.hidden = ui.chat.hidden = true;
  ui.root.classList.toggle("stopped", state.stopped);

  // Header.
  let subtitle = t("We're here to help");
  if (state.stopped) subtitle = t("Unavailable");
  else if (conv && conv.status === "connected" && !state.ready) subtitle = state.agentName || t("An agent is with you");
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
  ui.end.hidden = state.stopped || !conv || conv.status === "ended" || view !== "chat" || state.confirmingEnd;
  ui.end.disabled = !state.ready || state.pendingEnd;
  ui.end.textContent = state.pendingEnd ? t("Ending…") : t("End chat");

  // Connection line.
  let status = "";
  // Shown as soon as the link is lost, so "Sending…" never looks like a slow agent.
  if (state.stopped) status = t("Chat is not available on this site");
  else if (!state.ready && state.offline) status = t("You're offline. Your messages will be sent when you're back online.");
  else if (!state.ready && (state.everReady || (state.token && state.attempts > 0))) status = t("Connection lost — reconnecting… Your messages will be sent when we're back.");
  else if (!state.ready && state.attempts > 1) status = t("Can't reach the chat server — retrying…");
  ui.status.textContent = status;
  ui.status.hidden = !status;
  ui.status.classList.toggle("bad", state.stopped);
  ui.status.classList.toggle("warn", !state.stopped && Boolean(status));

  // Pre-chat.
  ui.start.disabled = state.pendingProfile;
  ui.start.textContent = state.pendingProfile ? t("Starting…") : t("Start chat");

  // Conversation footer.
  const ended = Boolean(conv && conv.status === "ended");
  ui.queue.hidden = !(conv && conv.status === "waiting");
  ui.queue.textContent = queueText();
  const rateable = ended && conv.answered && !conv.rated && !state.ratingSkipped;
  ui.rating.hidden = !rateable;
  ui.done.hidden = !(ended && !rateable);
  ui.endConfirm.hidden = !(state.confirmingEnd && conv && !ended && view === "chat");
  ui.doneText.textContent = state.ratingSubmitted ? t("Thanks for your feedback") : t("Need anything else?");
  ui.done.classList.toggle("thanks", state.ratingSubmitted);
  ui.composer.hidden = ended || state.stopped;
  ui.rate.disabled = !state.rating || state.pendingCsat || !state.ready;
  ui.rate.textContent = state.pendingCsat ? t("Sending…") : t("Send rating");
  paintStars(state.rating);
  renderTyping();
  updateSendButton();
  late.renderBadge();
}

// For the earlier parts that call back here (late.js).
late.render = render;
