/* Agent desktop, part 5 of 5: wiring the page's controls and starting the desk.
 *
 * The desk is split by concept, loaded in this order by agent.html: agent-desk.js (state,
 * socket, offers, composer), agent-desk-render.js (drawing), agent-desk-actions.js (what the
 * agent does), agent-desk-frames.js (the server's frames), then this file.
 */
'use strict';

(() => {
  const { $, state, socket, pill, offers, selectedConv } = Desk;
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
  setInterval(() => {
    offers.tick();
    pill.tick();
    const now = Date.now();
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
  }, 250);

  TeamFilters.init((list) => DeskRender.renderTeam(list));
  renderStatic();
  render();
  socket.start();
})();
