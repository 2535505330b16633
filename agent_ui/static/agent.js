/* Agent desktop, part 5 of 5: wiring the page's controls and starting the desk.
 *
 * agent.html loads only this ES module; it imports the rest. The desk is split by concept:
 * agent-desk.js (state, socket, offers, composer), agent-desk-render.js (drawing),
 * agent-desk-actions.js (what the agent does), agent-desk-frames.js (the server's frames),
 * then this file, which hands those three to the state (Desk.parts) and starts the socket.
 */
import { DeskActions } from './agent-desk-actions.js';
import { DeskRender } from './agent-desk-render.js';
import { Desk } from './agent-desk.js';
import { Dom } from './agent-dom.js';
import { DeskFrames } from './agent-desk-frames.js';
import { DeskOutbox } from './agent-outbox.js';
import { TeamFilters } from './agent-team-filters.js';
import { onTick } from './ui-core.js';
// The desk's add-ons: each wires itself to the page and to the `desk:frame` events.
import './agent-keys.js';
import './agent-emoji.js';
import './agent-attach.js';
import './agent-phone.js';
import './agent-search.js';
import './desk-outbound.js';
import './desk-log-contact.js';
import './desk-labels.js';
import './desk-merge.js';
import './desk-pending.js';

(() => {
  const { parts, $, state, socket, pill, offers, selectedConv } = Desk;
  const { render, renderStatic, renderPresence } = DeskRender;
  const { transfer, closeConversation, dropConversation, openTeam, onThreadClick } = DeskActions;

  $('presence').addEventListener('change', (e) => {
    Dom.unlockAttention();
    // Chosen while (re)connecting: keep the choice and send it as soon as the socket is up.
    state.wantPresence = e.target.value;
    if (socket.send({ type: 'presence', state: state.wantPresence })) state.wantPresence = null;
    renderPresence(e.target.value);
  });
  $('transfer-go').addEventListener('click', transfer);
  $('close-conv').addEventListener('click', closeConversation);
  $('dismiss-conv').addEventListener('click', () => state.selected != null && dropConversation(state.selected));
  $('team-open').addEventListener('click', () => openTeam(!state.teamOpen));
  $('team-close').addEventListener('click', () => openTeam(false));
  $('team-refresh').addEventListener('click', () => openTeam(true));
  $('messages').addEventListener('click', onThreadClick);
  $('messages').addEventListener('load', (e) => {
    // A thumbnail that finished loading pushes the thread up; keep the newest message in view.
    const box = $('messages');
    if (e.target.tagName === 'IMG' && box.scrollHeight - box.scrollTop - box.clientHeight < 400) box.scrollTop = box.scrollHeight;
  }, true);
  $('conn').addEventListener('click', () => socket.reconnectNow());
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && state.teamOpen) openTeam(false); });
  for (const type of ['pointerdown', 'keydown']) document.addEventListener(type, Dom.unlockAttention, { once: true, capture: true });
  document.addEventListener('visibilitychange', () => {
    const conv = selectedConv();
    if (document.visibilityState === 'visible' && conv && conv.unread) {
      conv.unread = 0;
      render();
    }
  });
  onTick((now) => {
    offers.tick();
    pill.tick();
    let expired = false;
    for (const conv of state.convs.values()) {
      for (const [key, entry] of conv.typing) {
        if (entry.until < now) {
          conv.typing.delete(key);
          expired = true;
        }
      }
    }
    if (DeskOutbox.expire(state.convs, now)) expired = true;
    if (expired) render();
  });

  Object.assign(parts, { frames: DeskFrames, render: DeskRender, actions: DeskActions });
  TeamFilters.init((list) => DeskRender.renderTeam(list));
  renderStatic();
  render();
  socket.start();
})();
