/* Agent desktop, part 3 of 5: what the agent does — select and view a conversation, send
 * a reply or note (kept as pending until its `ack`), retry or discard a failed one,
 * transfer, close with a wrap-up code, and open a colleague's conversation from the team
 * drawer.
 */
import { DeskRender } from './agent-desk-render.js';
import { Desk } from './agent-desk.js';
import { Dom } from './agent-dom.js';
import { I18n, t } from './agent-i18n.js';
import { Conversation } from './agent-views.js';

export const DeskActions = (() => {
  const { el, fill, toast } = Dom;
  const { $, state, MAX_MESSAGE_CHARS, socket, composer, selectedConv, send } = Desk;
  const { render } = DeskRender;

  function select(id) {
    const prev = selectedConv();
    if (prev && prev.id !== id && prev.viewing) stopViewing(prev);
    state.selected = id;
    const conv = selectedConv();
    if (conv) {
      conv.unread = 0;
      if (!conv.closed && !conv.viewing) startViewing(conv);
    }
    render();
    $('messages').scrollTop = $('messages').scrollHeight;
    composer.focus();
  }

  function startViewing(conv) {
    if (socket.send({ type: 'view', interaction_id: conv.id })) {
      conv.viewing = true;
      if (conv.role === 'watch') state.fetching.add(conv.id);
    }
  }

  function stopViewing(conv) {
    socket.send({ type: 'unview', interaction_id: conv.id });
    conv.viewing = false;
    conv.viewers.clear();
  }

  function dropConversation(id) {
    const conv = state.convs.get(id);
    if (!conv) return;
    if (conv.viewing) stopViewing(conv);
    state.convs.delete(id);
    state.fetching.delete(id);
    if (state.selected === id) {
      state.selected = null;
      const next = [...state.convs.values()].find((c) => c.role === 'held' && !c.closed);
      if (next) select(next.id);
    }
    render();
  }

  /** The reply frame for a pending message: the same client_id and files every time it is sent. */
  function postFrame(conv, p) {
    const frame = { type: p.internal ? 'note' : 'reply', interaction_id: conv.id, body: p.body, client_id: p.client_id };
    if (p.attachments && p.attachments.length) frame.attachments = p.attachments.map((a) => a.token);
    return frame;
  }

  function sendMessage(body, internal, files) {
    const conv = selectedConv();
    if (!conv) return false;
    const length = [...body].length; // code points, as the server counts them
    if (length > MAX_MESSAGE_CHARS) {
      toast(t('Messages are limited to {max} characters (this one has {length}).', { max: I18n.number(MAX_MESSAGE_CHARS), length: I18n.number(length) }));
      return false;
    }
    if (!internal && !conv.canReply()) {
      toast(t('You can only add internal notes to this conversation.'));
      return false;
    }
    const clientId = 'c' + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    const p = { client_id: clientId, body, internal, attachments: files || [], state: 'sending', created: new Date().toISOString(), sentAt: 0 };
    conv.pending.set(clientId, p);
    if (socket.send(postFrame(conv, p))) p.sentAt = Date.now();
    render();
    $('messages').scrollTop = $('messages').scrollHeight;
    return true;
  }

  function onThreadClick(e) {
    const conv = selectedConv();
    const retry = e.target.closest('[data-retry]');
    const discard = e.target.closest('[data-discard]');
    if (!conv || !(retry || discard)) return;
    const id = (retry || discard).dataset.retry || (retry || discard).dataset.discard;
    const p = conv.pending.get(id);
    if (!p) return;
    if (discard) conv.pending.delete(id);
    else {
      const again = { ...p, state: 'sending', error: '', sentAt: 0 };
      conv.pending.set(id, again);
      if (socket.send(postFrame(conv, again))) again.sentAt = Date.now();
    }
    render();
  }

  function transfer() {
    const conv = selectedConv();
    const value = $('transfer').value;
    if (!conv || !value) {
      toast(t('Choose a queue or a colleague to transfer to.'));
      $('transfer').focus();
      return;
    }
    const [kind, id] = value.split(':');
    send({ type: 'transfer', interaction_id: conv.id, [kind === 'queue' ? 'queue_id' : 'agent_id']: Number(id) });
  }

  function closeConversation() {
    const conv = selectedConv();
    const code = $('wrapup').value;
    if (!conv) return;
    if (!code) {
      toast(t('Choose a wrap-up code first.'));
      $('wrapup').focus();
      return;
    }
    send({ type: 'close', interaction_id: conv.id, disposition: code });
  }

  function openTeam(open) {
    state.teamOpen = open;
    $('team').hidden = !open;
    $('team-open').classList.toggle('active', open);
    if (open) {
      fill($('team-list'), el('li', { class: 'muted small', text: t('Loading…') }));
      send({ type: 'list_conversations' });
    }
  }

  function openFromTeam(item) {
    openTeam(false);
    if (!state.convs.has(item.id)) {
      const held = item.agent_id === state.me.id;
      state.convs.set(item.id, new Conversation({ interaction: item, context: null, events: [] }, held ? 'held' : 'watch', state.me.id));
      state.fetching.add(item.id);
    }
    select(item.id);
  }

  return { select, startViewing, stopViewing, dropConversation, sendMessage, postFrame, onThreadClick, transfer, closeConversation, openTeam, openFromTeam };
})();
