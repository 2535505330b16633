/*
 * Web chat widget, the last part of the bundle: mount the widget on the page and connect.
 */

function mount() {
  document.body.append(host);
  ui.root.style.setProperty("--cc-on-accent", readableOn(CONFIG.color));
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

// Last, so every binding above is initialised before the widget first renders.
if (document.body) mount();
else document.addEventListener("DOMContentLoaded", mount, { once: true });
