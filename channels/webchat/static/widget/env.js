/*
 * Web chat widget, the first part of the bundle: where it was loaded from, and its limits.
 *
 * The hub serves /widget.js as ONE script: channels/webchat/module_bundle.py puts the ES
 * modules reachable from bootstrap.js, in the order a browser would run them, inside one
 * function `(() => { "use strict"; … })();`, so they share that function's scope and
 * nothing reaches the host page's globals (only window.__ccChatWidgets, below). Keep to
 * the module syntax the bundler accepts (docs/protocol.md, "The widget script").
 *
 * Embed it on any allowed site with a single tag:
 *   <script src="https://hub.example.com/widget.js" async
 *           data-title="Support" data-color="#0f766e" data-greeting="Hi! How can we help?"></script>
 *
 * The widget talks to the hub it was loaded from, not to the page's origin: the visitor
 * websocket at /channels/webchat/ws (channels/webchat/socket.py is the source of truth for
 * frames) and uploads at /channels/webchat/attachments. It renders inside an open Shadow DOM
 * root so the host page's CSS cannot break it and ours cannot leak out.
 *
 * Safety: anything that came from the server, an agent or the visitor is put on the page
 * with textContent or as attribute values — never through innerHTML.
 */
// document.currentScript only exists while this file first runs, so capture it now.
export const SCRIPT =
  document.currentScript ||
  Array.from(document.scripts)
    .reverse()
    .find((s) => /\/widget\.js(?:[?#]|$)/.test(s.src)) ||
  null;
export const ORIGIN = SCRIPT && SCRIPT.src ? new URL(SCRIPT.src, location.href).origin : location.origin;
export const WS_URL = ORIGIN.replace(/^http/, "ws") + "/channels/webchat/ws";
export const UPLOAD_URL = ORIGIN + "/channels/webchat/attachments";
export const KEY = "cc-widget:" + ORIGIN + ":";

// One widget per hub per page, even if the tag is pasted twice: a second copy builds nothing
// on the page and does not connect (bootstrap.js checks SECOND_COPY before mounting).
const registry = (window.__ccChatWidgets = window.__ccChatWidgets || {});
export const SECOND_COPY = Boolean(registry[ORIGIN]);
registry[ORIGIN] = true;

export const PING_MS = 25000;
export const PONG_TIMEOUT_MS = 10000;
export const MAX_RETRY_MS = 5000;
export const TYPING_REPEAT_MS = 3000; // re-announce "still typing" at most this often
export const TYPING_IDLE_MS = 4000; // after this much quiet the visitor stopped typing
export const REMOTE_TYPING_MS = 8000; // hide "Alice is typing…" if no update arrives
export const MAX_BODY = 10000;
export const ACCEPTED_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"];
export const ACCEPTED_EXT = /\.(png|jpe?g|gif|webp|pdf)$/i;
