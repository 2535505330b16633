/*
 * Web chat widget, the last part of the bundle: mount the widget on the page and connect.
 */
// The parts in the order the widget is built: each adds its pieces to `ui` for the next.
import "./env.js";
import "./i18n.js";
import "./state.js";
import "./dom.js";
import "./styles.js";
import "./shell.js";
import "./prechat.js";
import "./afterhours.js";
import "./messages.js";
import "./queue.js";
import "./typing.js";
import "./csat.js";
import "./composer.js";
import "./emoji.js";
import "./connection.js";
import "./frames.js";
import "./render.js";
import "./panel.js";
import { SECOND_COPY } from "./env.js";
import { CONFIG, state } from "./state.js";
import { readableOn } from "./dom.js";
import { host, shadow, ui } from "./shell.js";
import { loadHours } from "./afterhours.js";
import { placePending } from "./messages.js";
import { connect, reconnectNow, watchNetwork } from "./connection.js";
import { render } from "./render.js";
import { clearUnread } from "./panel.js";

function mount() {
  document.body.append(host);
  ui.root.style.setProperty("--cc-on-accent", readableOn(CONFIG.color, shadow));
  for (const item of state.outbox) placePending(item);
  render();
  connect();
  loadHours();
  watchNetwork();
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      reconnectNow();
      if (state.open) clearUnread();
    }
  });
}

// Last, so every part has run before the widget first renders; a second copy of the
// script on the same page (env.js) mounts nothing.
if (SECOND_COPY) {
  /* the first copy is already on the page */
} else if (document.body) mount();
else document.addEventListener("DOMContentLoaded", mount, { once: true });
