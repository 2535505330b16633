/* Agent desktop, part 1 of 5: the desk's state and what it talks through.
 *
 * The state (this agent, queues, colleagues, wrap-up codes, conversations, the selected
 * one), the websocket, the offer tray and the composer. The other parts, loaded after
 * this one by agent.html: agent-desk-render.js (drawing), agent-desk-actions.js (what the
 * agent does), agent-desk-frames.js (the server's frames), agent.js (wiring and start).
 * The later parts import this one; where the state calls back into them (a frame to
 * handle, the title to redraw, a reply to send) it goes through `parts`, which agent.js
 * fills before the socket starts, so no module imports one that imports it.
 */
import { Composer } from './agent-composer.js';
import { Dom } from './agent-dom.js';
import { t } from './agent-i18n.js';
import { OfferTray } from './agent-offers.js';
import { ConnectionPill, DeskSocket } from './agent-socket.js';

export const Desk = (() => {
  // Filled by agent.js: { frames: DeskFrames, render: DeskRender, actions: DeskActions }.
  const parts = {};
  const { toast } = Dom;
  const $ = (id) => document.getElementById(id);
  const TYPING_TTL_MS = 6000;
  const PRESENCE = { available: t('Available'), away: t('Away'), offline: t('Offline') };
  const MAX_MESSAGE_CHARS = 10000; // desk.py MAX_REPLY_CHARS

  const state = {
    me: { id: Number($('app').dataset.agentId), display_name: $('app').dataset.agentName, presence: $('presence').value, role: 'agent' },
    queues: [],
    agents: new Map(),
    wrapups: [],
    canned: [],
    convs: new Map(),
    selected: null,
    wantPresence: null,
    fetching: new Set(), // interactions we asked to `view` because we hold them but lack their history
    teamOpen: false,
  };

  const pill = new ConnectionPill($('conn'));
  const socket = new DeskSocket({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/agent/ws`,
    onFrame: (frame) => {
      // agent-phone.js and other add-ons read the same frames.
      setTimeout(() => document.dispatchEvent(new CustomEvent('desk:frame', { detail: frame })), 0);
      const handler = parts.frames.handlers[frame.type];
      if (!handler) return;
      try {
        handler(frame);
      } catch (err) {
        console.error('agent desktop: cannot apply frame', frame.type, err);
      }
    },
    onStatus: (status, detail) => pill.show(status, detail),
  });

  const offers = new OfferTray($('offers'), { send: (frame) => send(frame), changed: () => parts.render.renderTitle() });

  const composer = new Composer({
    send: (body, internal, files) => parts.actions.sendMessage(body, internal, files),
    typing: (conv, on) => socket.send({ type: 'typing', interaction_id: conv.id, state: on }),
    canned: () => state.canned,
  });

  const wrapLabel = (code) => (state.wrapups.find((w) => w.code === code) || { label: code }).label;
  const selectedConv = () => (state.selected == null ? null : state.convs.get(state.selected) || null);
  const send = (frame, failMessage) => {
    if (socket.send(frame)) return true;
    toast(failMessage || t('Not connected — try again in a moment.'));
    return false;
  };
  return { parts, $, state, TYPING_TTL_MS, PRESENCE, MAX_MESSAGE_CHARS, pill, socket, offers, composer, wrapLabel, selectedConv, send };
})();
