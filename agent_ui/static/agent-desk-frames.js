/* Agent desktop, part 4 of 5: the server's frames, one handler per type.
 *
 * The server is the source of truth: a `welcome` replaces everything, `conversation`
 * replaces one thread, and every other frame is applied idempotently (see Conversation
 * in agent-views.js). The frames are made in agent_ui/desk/desk_feed.py and socket.py
 * (docs/protocol.md).
 */
import { DeskActions } from './agent-desk-actions.js';
import { DeskRender } from './agent-desk-render.js';
import { Desk } from './agent-desk.js';
import { Dom } from './agent-dom.js';
import { t } from './agent-i18n.js';
import { DeskKeys } from './agent-keys.js';
import { Notices } from './agent-notices.js';
import { DeskOutbox } from './agent-outbox.js';
import { Conversation, Views } from './agent-views.js';

export const DeskFrames = (() => {
  const { toast } = Dom;
  const { state, TYPING_TTL_MS, socket, offers, selectedConv } = Desk;
  const { render, renderStatic, renderTransferOptions, renderTeam, renderPresence } = DeskRender;
  const { select, startViewing, stopViewing, dropConversation } = DeskActions;

  const handlers = {
    welcome(f) {
      state.me = { ...state.me, ...f.agent };
      state.queues = f.queues || [];
      state.agents = new Map((f.agents || []).map((a) => [a.id, a]));
      state.wrapups = f.wrapup_codes || [];
      state.canned = f.canned_replies || [];
      offers.timeoutSec = Number(f.reservation_timeout_seconds) || 30;
      const old = state.convs;
      state.convs = new Map();
      offers.clear();
      const outage = socket.lastOutageMs;
      for (const c of f.conversations || []) {
        if (c.interaction.status === 'offered') {
          offers.add(c, true);
          continue;
        }
        const conv = new Conversation(c, 'held', state.me.id);
        const before = old.get(conv.id);
        if (before) Object.assign(conv, { pending: before.pending, draft: before.draft, unread: before.unread, nodes: before.nodes });
        state.convs.set(conv.id, conv);
      }
      // Closed and watched conversations are not in the snapshot; keep them on screen.
      for (const [id, conv] of old) if (!state.convs.has(id) && (conv.role === 'watch' || conv.closed)) state.convs.set(id, conv);
      // A chat we held that the snapshot no longer gives us was taken away while we were gone: say so.
      for (const [id, conv] of old) {
        if (state.convs.has(id) || conv.role !== 'held' || conv.closed) continue;
        Notices.chatTakenAway(conv.name, outage, 'changed');
        if (conv.pending.size) keepLost(conv);
      }
      restoreOutbox();
      if (!state.convs.has(state.selected)) state.selected = null;
      if (state.selected == null) {
        const first = [...state.convs.values()].find((c) => c.role === 'held' && !c.closed);
        if (first) state.selected = first.id; // afterConnect starts viewing it
      }
      renderPresence(state.wantPresence || state.me.presence);
      renderStatic();
      afterConnect();
    },
    resumed() {
      afterConnect();
    },
    resync() {
      toast(t('Reloading your conversations…'), 'info');
    },
    offer(f) {
      offers.add(f, false);
      DeskKeys.offerArrived(f.interaction.id);
      Dom.beep();
      const name = (f.context && f.context.customer && f.context.customer.display_name) || t('A customer');
      Dom.notify(t('Incoming {channel}', { channel: Dom.channelChip(f.interaction.channel).textContent }), t('{name} is waiting', { name }), 'offer-' + f.interaction.id, () => offers.focus(f.interaction.id));
    },
    interaction(f) {
      applyInteraction(f.interaction, f.reason);
    },
    event(f) {
      const ev = f.event;
      offers.addEvent(f.interaction_id, ev);
      const conv = state.convs.get(f.interaction_id);
      if (!conv || !conv.addEvent(ev)) return;
      if (ev.author_type === 'customer') conv.typing.delete('customer');
      const fromMe = ev.author_type === 'agent' && ev.author_id === state.me.id;
      const seen = conv.id === state.selected && document.visibilityState === 'visible';
      if (!fromMe && !seen && (ev.kind === 'message' || ev.kind === 'note')) conv.unread += 1;
      render();
    },
    event_updated(f) {
      // A delivery report for a message already shown: redraw just that message.
      const conv = state.convs.get(f.interaction_id);
      if (!conv || !conv.events.has(f.event.id)) return;
      conv.events.set(f.event.id, f.event);
      const node = conv.nodes.get('e:' + f.event.id);
      if (node) node.remove();
      conv.nodes.delete('e:' + f.event.id);
      render();
    },
    ack(f) {
      for (const c of state.convs.values()) c.pending.delete(f.client_id);
      const conv = f.event && state.convs.get(f.event.interaction_id);
      if (conv) conv.addEvent(f.event, false);
      render();
    },
    typing(f) {
      const conv = state.convs.get(f.interaction_id);
      if (!conv) return;
      const key = f.who === 'customer' ? 'customer' : 'agent:' + f.name;
      if (f.state) conv.typing.set(key, { who: f.who, name: f.name, preview: f.preview || '', until: Date.now() + TYPING_TTL_MS });
      else conv.typing.delete(key);
      render();
    },
    viewer(f) {
      const conv = state.convs.get(f.interaction_id);
      if (!conv || f.agent_id === state.me.id) return;
      if (f.viewing) conv.viewers.set(f.agent_id, f.name);
      else conv.viewers.delete(f.agent_id);
      render();
    },
    conversation(f) {
      const i = f.interaction;
      let conv = state.convs.get(i.id);
      const held = i.agent_id === state.me.id && ['active', 'wrapup', 'offered'].includes(i.status);
      if (!conv) {
        if (!state.fetching.has(i.id)) return; // we left it before the answer came
        conv = new Conversation(f, held ? 'held' : 'watch', state.me.id);
        state.convs.set(i.id, conv);
      }
      state.fetching.delete(i.id);
      conv.interaction = i;
      if (f.context) conv.context = f.context;
      if (held) conv.role = 'held';
      conv.setSnapshot(f.events);
      conv.viewers = new Map((f.viewers || []).filter((v) => v.agent_id !== state.me.id).map((v) => [v.agent_id, v.name]));
      render();
    },
    conversations(f) {
      renderTeam(f.conversations || []);
    },
    notice(f) {
      // The router set this agent Away after offers went unanswered (docs/protocol.md, "notice").
      if (f.code === 'missed_offers') Notices.show(t('You were set to Away because offers to you went unanswered. Set yourself Available when you are ready for chats.'), 'notice-missed-offers');
    },
    agent_presence(f) {
      const a = state.agents.get(f.agent_id);
      if (a) a.presence = f.presence;
      if (f.agent_id === state.me.id) {
        state.me.presence = f.presence;
        if (!state.wantPresence) renderPresence(f.presence);
      }
      renderTransferOptions();
    },
    error(f) {
      toast(f.message || f.code || t('Something went wrong'));
      offers.releaseBusy();
      if (!f.ref) return;
      for (const conv of state.convs.values()) {
        const p = conv.pending.get(f.ref);
        if (p) {
          conv.pending.set(f.ref, { ...p, state: 'failed', error: f.message });
          render();
        }
      }
    },
    heartbeat() {},
    pong() {},
  };

  /** A conversation taken from us with replies still unsent: keep it on screen, replies failed, never dropped. */
  function keepLost(conv) {
    conv.role = 'watch';
    for (const [id, p] of conv.pending) conv.pending.set(id, { ...p, state: 'failed', error: t('Not sent: this chat is no longer yours.') });
    state.convs.set(conv.id, conv);
  }

  /** Replies a previous page of this tab had not got acknowledged (sessionStorage): put them back, once. */
  function restoreOutbox() {
    if (state.outboxRestored) return;
    state.outboxRestored = true;
    for (const item of DeskOutbox.load(state.me.id)) {
      const { interaction, customer_name: customerName, ...p } = item;
      let conv = state.convs.get(interaction.id);
      if (!conv) {
        conv = new Conversation({ interaction: { ...interaction, customer_name: customerName }, context: null, events: [] }, 'held', state.me.id);
        keepLost(conv);
        state.fetching.add(conv.id);
      }
      if (!conv.pending.has(p.client_id)) conv.pending.set(p.client_id, { ...p, sentAt: 0, state: p.state === 'failed' ? 'failed' : 'sending' });
    }
  }

  /** After welcome or resume: the server forgot what we were viewing, and unsent messages go again. */
  function afterConnect() {
    if (state.wantPresence && socket.send({ type: 'presence', state: state.wantPresence })) state.wantPresence = null;
    for (const conv of state.convs.values()) conv.viewing = false;
    const conv = selectedConv();
    if (conv && !conv.closed) startViewing(conv);
    for (const c of state.convs.values()) {
      for (const p of c.pending.values()) {
        if (p.state === 'sending' && socket.send(DeskActions.postFrame(c, p))) p.sentAt = Date.now();
      }
    }
    render();
  }

  /** A status change: offers accepted or withdrawn, chats transferred away, ended or closed. */
  function applyInteraction(i, reason) {
    const mine = i.agent_id === state.me.id;
    const offer = offers.get(i.id);
    if (offer) {
      if (mine && i.status === 'offered') {
        offer.interaction = i;
        return;
      }
      offers.remove(i.id);
      if (mine && (i.status === 'active' || i.status === 'wrapup')) {
        const conv = new Conversation({ interaction: i, context: offer.context, events: [...offer.events.values()] }, 'held', state.me.id);
        state.convs.set(i.id, conv);
        if (offer.accepting || state.selected == null) select(i.id);
      } else if (i.status === 'closed') {
        toast(t('The customer left before the offer was answered.'), 'info');
      } else if (!offer.rejected) {
        toast(reason === 'reservation timed out' ? t('Missed contact: the offer timed out.')
          : reason ? t('The offer was withdrawn ({reason}).', { reason: Views.reasonText(reason) }) : t('The offer was withdrawn.'), 'info');
      }
    }
    const conv = state.convs.get(i.id);
    if (!conv) {
      if (mine && (i.status === 'active' || i.status === 'wrapup') && !offer) {
        state.fetching.add(i.id); // accepted elsewhere, e.g. in another tab: fetch its history
        socket.send({ type: 'view', interaction_id: i.id });
      }
      render();
      return;
    }
    conv.interaction = i;
    if (mine && (i.status === 'active' || i.status === 'wrapup')) conv.role = 'held';
    if (conv.role === 'held' && !mine && i.status !== 'closed') {
      // Transferred or requeued: no longer ours.
      if (reason === 'agent disconnected') Notices.chatTakenAway(conv.name, socket.lastOutageMs, 'requeued');
      else {
        toast(reason === 'transferred' ? t('{name} was transferred.', { name: conv.name })
          : reason ? t('{name} went back to the queue ({reason}).', { name: conv.name, reason: Views.reasonText(reason) })
            : t('{name} went back to the queue.', { name: conv.name }), 'info');
      }
      if (conv.pending.size) {
        keepLost(conv);
        render();
      } else dropConversation(conv.id);
      return;
    }
    // No local status line here: the hub publishes the stored status event right after
    // this frame, and a local copy of it showed "Customer left the conversation" twice.
    if (i.status === 'closed') {
      conv.typing.clear();
      if (conv.viewing) stopViewing(conv);
    }
    render();
  }

  return { handlers };
})();
