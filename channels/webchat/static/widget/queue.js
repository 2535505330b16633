/*
 * Web chat widget: the queue status line — place in the queue and estimated wait while the
 * visitor waits for an agent (`queue` frames; render.js shows it).
 */
import { formatMinutes, formatNumber, t } from "./i18n.js";
import { state } from "./state.js";
import { h } from "./dom.js";
import { ui } from "./shell.js";

ui.queue = h("div", { class: "queue", testid: "cc-queue", role: "status", hidden: true });

export function queueText() {
  const q = state.queue;
  if (!q) return t("Waiting for the next available agent…");
  if (q.wait === -1) return t("No agent is online right now — we'll answer as soon as someone is");
  const minutes = Math.max(1, Math.ceil(q.wait / 60));
  // Babel's JS extractor does not look inside another t() call, so the parts come first.
  const wait = t("about {duration}", { duration: formatMinutes(minutes) });
  return t("You are number {position} in the queue · estimated wait {wait}", { position: formatNumber(q.position), wait });
}
