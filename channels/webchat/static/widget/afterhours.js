/*
 * Web chat widget: outside business hours. When the chat queue is closed (GET
 * /channels/webchat/hours, the queue's calendar: repository/directory/business_hours.py) and no
 * conversation is under way, the panel shows the week's hours, when the team is back, and
 * a "leave a message" form; the message becomes an email conversation answered by email
 * (POST /channels/webchat/messages). See docs/business-hours.md.
 */
import { late } from "./late.js";
import { MAX_BODY, ORIGIN } from "./env.js";
import { LANG, t } from "./i18n.js";
import { state } from "./state.js";
import { h } from "./dom.js";
import { ui } from "./shell.js";

const HOURS_URL = ORIGIN + "/channels/webchat/hours";
const LEAVE_URL = ORIGIN + "/channels/webchat/messages";

ui.awayBack = h("p", { class: "muted small", testid: "cc-away-back" });
ui.awayWeek = h("dl", { class: "away-week", testid: "cc-away-hours" });
ui.awayName = h("input", { id: "cc-away-name", testid: "cc-away-name", type: "text", autocomplete: "name", maxlength: "120" });
ui.awayEmail = h("input", {
  id: "cc-away-email", testid: "cc-away-email", type: "email", autocomplete: "email", maxlength: "320", inputmode: "email",
});
ui.awayMessage = h("textarea", { id: "cc-away-message", class: "comment", testid: "cc-away-message", rows: "4", maxlength: String(MAX_BODY) });
ui.awayError = h("div", { class: "field-error", testid: "cc-away-error", role: "alert" });
ui.awaySend = h("button", { type: "submit", class: "primary wide", testid: "cc-away-send", text: t("Send message") });
ui.awayForm = h(
  "form",
  { novalidate: true, onsubmit: submitLeftMessage },
  h("label", { for: "cc-away-name", text: t("Name") }),
  ui.awayName,
  h("label", { for: "cc-away-email", text: t("Email") }),
  ui.awayEmail,
  h("label", { for: "cc-away-message", text: t("Message") }),
  ui.awayMessage,
  ui.awayError,
  ui.awaySend
);
ui.awayThanks = h("p", { class: "small", testid: "cc-away-thanks", role: "status", hidden: true });
ui.afterHours = h(
  "div",
  { class: "view prechat", testid: "cc-after-hours", hidden: true },
  h(
    "div",
    { class: "card" },
    h("h2", { text: t("We're away right now") }),
    ui.awayBack,
    ui.awayWeek,
    h("p", { class: "muted small", text: t("Leave a message and we'll answer by email.") }),
    ui.awayForm,
    ui.awayThanks
  )
);

function weekdayName(day) {
  // 2024-01-01 was a Monday: Intl names the day in the visitor's language.
  const index = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].indexOf(day);
  return new Intl.DateTimeFormat(LANG, { weekday: "long", timeZone: "UTC" }).format(Date.UTC(2024, 0, 1 + index));
}

function showHours(hours) {
  state.afterHours = hours.open ? null : hours;
  if (!state.afterHours) return late.render();
  ui.awayBack.textContent = hours.next_open_at
    ? t("We're back {when}.", {
        when: new Intl.DateTimeFormat(LANG, { dateStyle: "full", timeStyle: "short" }).format(new Date(hours.next_open_at)),
      })
    : "";
  ui.awayWeek.textContent = "";
  ui.awayWeek.append(h("dt", { class: "muted small", text: t("Opening hours ({zone})", { zone: hours.time_zone }) }));
  for (const day of hours.week) {
    const spans = day.spans.map(([open, close]) => open + "–" + close).join(", ");
    ui.awayWeek.append(h("dd", { class: "small", text: weekdayName(day.day) + ": " + (spans || t("Closed")) }));
  }
  late.render();
}

export async function loadHours() {
  try {
    const res = await fetch(HOURS_URL, { credentials: "omit" });
    if (res.ok) showHours(await res.json());
  } catch (_err) {
    // No hours, no away view: the chat itself still says if no agent is online.
  }
}

export function awayShown() {
  const conv = state.conversation;
  const live = conv && conv.status !== "ended";
  return Boolean(state.afterHours) && !state.stopped && !live && !state.outbox.length;
}

async function submitLeftMessage(e) {
  e.preventDefault();
  ui.awayError.textContent = "";
  const body = { name: ui.awayName.value.trim(), email: ui.awayEmail.value.trim(), message: ui.awayMessage.value.trim() };
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(body.email)) {
    ui.awayError.textContent = t("Please enter an email address so we can answer you.");
    return ui.awayEmail.focus();
  }
  if (!body.message) {
    ui.awayError.textContent = t("Please write your message.");
    return ui.awayMessage.focus();
  }
  ui.awaySend.disabled = true;
  ui.awaySend.textContent = t("Sending…");
  try {
    const res = await fetch(LEAVE_URL, {
      method: "POST", credentials: "omit", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
    });
    if (!res.ok) {
      // The server's reason (a limit, no mailbox, a bad address) in the browser's language.
      const reply = await res.json().catch(() => ({}));
      ui.awayError.textContent = (reply.error && reply.error.message) || t("Something went wrong.");
      return;
    }
    ui.awayForm.hidden = true;
    ui.awayThanks.textContent = t("Thank you! We'll answer by email at {email}.", { email: body.email });
    ui.awayThanks.hidden = false;
  } catch (_err) {
    ui.awayError.textContent = t("Something went wrong.");
  } finally {
    ui.awaySend.disabled = false;
    ui.awaySend.textContent = t("Send message");
  }
}
