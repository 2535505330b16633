/*
 * Web chat widget: the composer — typing and sending messages into the outbox, retrying a
 * failed one, and attachments (picked, pasted or dropped; uploaded over HTTP first, then
 * sent as a message that names the upload's token).
 */
import { late } from "./late.js";
import { ACCEPTED_EXT, ACCEPTED_TYPES, MAX_BODY, UPLOAD_URL } from "./env.js";
import { formatNumber, t } from "./i18n.js";
import { pendingEls, saveOutbox, state, uuid } from "./state.js";
import { formatBytes, h, icon } from "./dom.js";
import { ui } from "./shell.js";
import { placePending, scrollToBottom, showNotice } from "./messages.js";
import { noteTyping, stopTyping } from "./typing.js";

ui.file = h("input", {
  type: "file", testid: "cc-file", hidden: true, multiple: true, tabindex: "-1",
  accept: ACCEPTED_TYPES.join(",") + ",.png,.jpg,.jpeg,.gif,.webp,.pdf",
});
ui.file.addEventListener("change", () => {
  const files = Array.from(ui.file.files || []);
  ui.file.value = "";
  uploadFiles(files);
});
ui.attach = h(
  "button",
  { type: "button", class: "icon-btn tool", testid: "cc-attach", "aria-label": t("Attach an image or PDF"), title: t("Attach an image or PDF"), onclick: () => ui.file.click() },
  icon("clip", 20)
);
ui.input = h("textarea", {
  testid: "cc-input", rows: "1", maxlength: String(MAX_BODY), placeholder: t("Write a message…"),
  "aria-label": t("Message"), enterkeyhint: "send",
});
ui.send = h("button", { type: "submit", class: "send", testid: "cc-send", "aria-label": t("Send message"), disabled: true }, icon("send", 18));
ui.composer = h(
  "form",
  { class: "composer", testid: "cc-composer", onsubmit: (e) => { e.preventDefault(); submitMessage(); } },
  ui.input,
  h("div", { class: "tools" }, ui.attach, ui.send),
  ui.file
);
ui.input.addEventListener("keydown", (e) => {
  // Enter sends, Shift+Enter is a newline; never send while an IME is composing (CJK input).
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
    e.preventDefault();
    submitMessage();
  }
});
ui.input.addEventListener("input", () => {
  autoGrow();
  updateSendButton();
  noteTyping();
});
ui.input.addEventListener("paste", (e) => {
  const files = Array.from((e.clipboardData && e.clipboardData.files) || []);
  if (files.length) {
    e.preventDefault();
    uploadFiles(files);
  }
});

// Files dropped on the conversation view are uploaded like picked ones (panel.js calls this
// once the view exists).
export function acceptDroppedFiles() {
  ui.chat.addEventListener("dragover", (e) => {
    if (e.dataTransfer && Array.from(e.dataTransfer.types).includes("Files")) {
      e.preventDefault();
      ui.chat.classList.add("dragging");
    }
  });
  ui.chat.addEventListener("dragleave", () => ui.chat.classList.remove("dragging"));
  ui.chat.addEventListener("drop", (e) => {
    ui.chat.classList.remove("dragging");
    const files = Array.from((e.dataTransfer && e.dataTransfer.files) || []);
    if (files.length) {
      e.preventDefault();
      uploadFiles(files);
    }
  });
}

function sendMessage(body, files) {
  const item = {
    client_id: uuid(),
    body,
    attachments: files.map((f) => f.token),
    files: files.map((f) => ({ filename: f.filename, content_type: f.content_type, size: f.size, url: f.url })),
    created_at: new Date().toISOString(),
  };
  state.outbox.push(item);
  saveOutbox();
  placePending(item);
  late.transmit(item);
  if (state.view !== "chat") state.view = "chat";
  scrollToBottom(true);
  late.render();
}

function submitMessage() {
  const body = ui.input.value.trim();
  if (!body || state.stopped) return;
  if (body.length > MAX_BODY) {
    showNotice(t("Messages can be at most {max} characters.", { max: formatNumber(MAX_BODY) }));
    return;
  }
  stopTyping();
  ui.input.value = "";
  autoGrow();
  updateSendButton();
  sendMessage(body, []);
  ui.input.focus();
}

export function failMessage(clientId, message) {
  const item = state.outbox.find((m) => m.client_id === clientId);
  const el = pendingEls.get(clientId);
  if (!item && !el) return false;
  state.outbox = state.outbox.filter((m) => m.client_id !== clientId);
  saveOutbox();
  if (el && item) {
    el.dataset.state = "failed";
    const meta = el.querySelector(".meta");
    meta.textContent = "";
    meta.append(
      h("span", { class: "failed", text: t("Not delivered: {reason}", { reason: message }) }),
      " · ",
      h("button", {
        type: "button", class: "link inline", text: t("Retry"),
        onclick: () => {
          el.dataset.state = "sending";
          meta.textContent = t("Sending…");
          state.outbox.push(item);
          saveOutbox();
          late.transmit(item);
        },
      })
    );
  }
  return true;
}

async function uploadFiles(files) {
  for (const file of files) {
    const typeOk = ACCEPTED_TYPES.includes(file.type) || (!file.type && ACCEPTED_EXT.test(file.name));
    if (!typeOk) {
      showNotice(t("“{file}” can't be sent: only images (PNG, JPEG, GIF, WebP) and PDF files are allowed.", { file: file.name }));
      continue;
    }
    if (file.size > state.maxBytes) {
      showNotice(t("“{file}” is {size}; files can be at most {max}.", { file: file.name, size: formatBytes(file.size), max: formatBytes(state.maxBytes) }));
      continue;
    }
    if (file.size === 0) {
      showNotice(t("“{file}” is empty.", { file: file.name }));
      continue;
    }
    if (!state.token) {
      showNotice(t("Still connecting — please try again in a moment."));
      return;
    }
    const placeholder = h(
      "div",
      { class: "msg mine uploading", testid: "cc-uploading", "data-state": "sending" },
      h("div", { class: "bubble" }, h("div", { class: "text" }, h("span", { class: "spinner", "aria-hidden": "true" }), `Uploading ${file.name}…`))
    );
    ui.messages.append(placeholder);
    scrollToBottom(true);
    try {
      const form = new FormData();
      form.append("file", file, file.name);
      let res;
      try {
        res = await fetch(UPLOAD_URL, {
          method: "POST",
          body: form,
          headers: { "X-Visitor-Token": state.token },
          mode: "cors",
          credentials: "omit",
        });
      } catch (err) {
        throw new Error(t("the upload did not reach us. Check your connection and try again."), { cause: err });
      }
      let data = null;
      try {
        data = await res.json();
      } catch (_) {
        /* not JSON */
      }
      if (!res.ok || !data || typeof data.token !== "string") {
        const reason = data && data.error && data.error.message;
        throw new Error(reason || t("the upload failed (HTTP {status}).", { status: res.status }));
      }
      placeholder.remove();
      sendMessage("", [data]);
    } catch (err) {
      placeholder.remove();
      showNotice(t("Couldn't send “{file}”: {reason}", { file: file.name, reason: err.message }));
    }
  }
}

export function updateSendButton() {
  ui.send.disabled = !ui.input.value.trim() || state.stopped;
}

function autoGrow() {
  ui.input.style.height = "auto";
  ui.input.style.height = Math.min(ui.input.scrollHeight, 132) + "px";
}
