/*
 * Web chat widget: the pre-chat form (name and email, both optional) a first-time visitor
 * sees. The server checks the values (`profile` → `profile_saved` or an error frame).
 */
import { late } from "./late.js";
import { t } from "./i18n.js";
import { CONFIG, state, storage } from "./state.js";
import { h } from "./dom.js";
import { ui } from "./shell.js";

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
  state.pendingProfile = late.send(frame);
  late.render();
}

export function finishPrechat() {
  state.prechatDone = true;
  storage.setJSON("prechat", true);
  state.view = "chat";
  late.render();
  ui.input.focus();
}
