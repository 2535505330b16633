/*
 * Web chat widget: the few calls that go back to a part built later — render (render.js),
 * send and transmit (connection.js), the frame HANDLERS (frames.js), askEndChat (csat.js),
 * setOpen and renderBadge (panel.js). Imports only point back to earlier parts, so the
 * modules have no cycle (the bundler refuses one); each of those parts puts its functions
 * here when it first runs, and nothing calls them before bootstrap.js mounts the widget.
 */

export const late = {};
