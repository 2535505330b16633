/* Agent desktop, part 1 of 5: the desk's state and what it talks through.
 *
 * The state (this agent, queues, colleagues, wrap-up codes, conversations, the selected
 * one), the websocket, the offer tray and the composer. The other parts, loaded after
 * this one by agent.html: agent-desk-render.js (drawing), agent-desk-actions.js (what the
 * agent does), agent-desk-frames.js (the server's frames), agent.js (wiring and start).
 * Hooks that call a later part look it up when they run, so load order is only about
 * what each part needs while it is first run.
 */
'use strict';

const Desk = (() => {
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
      const handler = DeskFrames.handlers[frame.type];
      if (!handler) return;
      try {
        handler(frame);
      } catch (err) {
        console.error('agent desktop: cannot apply frame', frame.type, err);
      }
    },
    onStatus: (status, detail) => pill.show(status, detail),
  });

  const offers = new OfferTray($('offers'), { send: (frame) => send(frame), changed: () => DeskRender.renderTitle() });

  const composer = new Composer({
    send: (body, internal, files) => DeskActions.sendMessage(body, internal, files),
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
  window.deskSend = send; // for add-ons such as agent-phone.js (click-to-call)

  return { $, state, TYPING_TTL_MS, PRESENCE, MAX_MESSAGE_CHARS, pill, socket, offers, composer, wrapLabel, selectedConv, send };
})();
