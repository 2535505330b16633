/*
 * Web chat widget: the server's frames, one handler per type (channels/webchat/socket.py
 * and docs/protocol.md define them), and how a conversation's status changes are shown.
 */
import { late } from "./late.js";
import { t } from "./i18n.js";
import { eventEls, pendingEls, saveOutbox, state, storage } from "./state.js";
import { ui } from "./shell.js";
import { finishPrechat } from "./prechat.js";
import { loadHours } from "./afterhours.js";
import { addSystemLine, clearEvents, groupWithPrevious, hideNotice, messageEl, placeEvent, restoreSystemLines, scrollToBottom, showNotice } from "./messages.js";
import { setRemoteTyping } from "./typing.js";
import { failMessage } from "./composer.js";
import { noteRetryAfter, reconnect, transmit } from "./connection.js";

export const HANDLERS = {
  // The socket is ready by now (connection.js set state.ready before handing this over).
  welcome(f) {
    state.token = f.token;
    storage.set("token", f.token);
    if (f.max_attachment_bytes > 0) state.maxBytes = f.max_attachment_bytes;

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
    if (conv) restoreSystemLines(conv.id);

    if (state.view === "loading") {
      state.view = conv || state.prechatDone || state.outbox.length ? "chat" : "prechat";
    }
    // Anything the server never acknowledged goes again; it stores each client_id once.
    for (const item of state.outbox) transmit(item);
    late.render();
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
    late.render();
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
    late.render();
  },

  queue(f) {
    state.queue = { position: f.position, wait: f.estimated_wait_seconds };
    late.render();
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
    late.render();
  },

  // The server could not recover events this socket missed: reconnect, and the new
  // welcome's history has them (docs/protocol.md).
  resync() {
    reconnect();
  },

  // Nothing to do: any frame, a pong too, tells the socket the hub is still there.
  pong() {},

  error(f) {
    const message = typeof f.message === "string" && f.message ? f.message : t("Something went wrong.");
    if (f.code === "origin_not_allowed") {
      state.stopped = true;
      late.render();
      return;
    }
    if (f.code === "rate_limited") noteRetryAfter(f.retry_after);
    if (f.code === "invalid_token") {
      // The hub no longer knows this browser (e.g. its secret changed): start afresh.
      state.token = null;
      storage.remove("token");
      state.resetToken = true;
      return;
    }
    // The queue closed before this chat started: show the hours and the leave-a-message form.
    if (f.code === "after_hours") loadHours();
    if (f.ref && failMessage(f.ref, message)) return;
    if (state.pendingProfile && (f.field === "email" || f.field === "name" || /invalid/.test(f.code || ""))) {
      state.pendingProfile = false;
      const target = f.field === "name" ? ui.nameError : f.field === "email" ? ui.emailError : ui.formError;
      target.textContent = message;
      (f.field === "name" ? ui.name : ui.email).setAttribute("aria-invalid", "true");
      late.render();
      (f.field === "name" ? ui.name : ui.email).focus();
      return;
    }
    if (state.pendingCsat) {
      state.pendingCsat = false;
      ui.rateError.textContent = message;
      late.render();
      return;
    }
    state.pendingEnd = false;
    showNotice(message);
    late.render();
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
      addSystemLine(name ? t("{name} joined the chat", { name }) : t("An agent joined the chat"), conv.id);
    } else if (conv.status === "waiting" && prev.status === "connected") {
      addSystemLine(t("Finding another agent for you…"), conv.id);
    } else if (conv.status === "ended" && prev.status !== "ended") {
      addSystemLine(t("The chat has ended"), conv.id);
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
    // Nobody to rate if no agent ever answered (an older hub does not send `answered`).
    answered: conv.answered === undefined ? Boolean(name) : Boolean(conv.answered) || (same && prev.answered),
  };
  if (conv.status !== "connected" || !state.ready) state.confirmingEnd = false;
  if (state.view !== "chat" && state.view !== "loading") state.view = "chat";
}

// For the earlier parts that call back here (late.js).
late.HANDLERS = HANDLERS;
