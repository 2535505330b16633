/* Agent desktop: the conversation model and how its pieces are drawn (messages, list items).
 *
 * Events are keyed by their server id, so a frame replayed after a reconnect lands on
 * the same key and is never shown twice. Messages still waiting for their `ack` are
 * keyed by client_id until the stored event replaces them.
 */
import { Dom } from './agent-dom.js';
import { EmailView } from './agent-email.js';
import { I18n, t } from './agent-i18n.js';
import { SlaBadge } from './sla-badge.js';

export class Conversation {
  /** role: "held" (this agent's), "watch" (a colleague's, opened from the Team panel). */
  constructor({ interaction, context, events }, role, meId) {
    this.interaction = interaction;
    this.context = context || null;
    this.role = role;
    this.meId = meId;
    this.events = new Map();
    this.pending = new Map(); // client_id → {client_id, body, internal, created, state: sending|failed, error}
    this.local = []; // status lines made from interaction frames until a snapshot brings the stored ones
    this.localSeq = 0;
    this.unread = 0;
    this.typing = new Map();
    this.viewers = new Map();
    this.viewing = false;
    this.nodes = new Map();
    this.draft = null;
    for (const ev of events || []) this.events.set(ev.id, ev);
  }

  get id() {
    return this.interaction.id;
  }

  get name() {
    const c = (this.context && this.context.customer) || {};
    return c.display_name || c.email || c.phone || this.interaction.customer_name || t('Customer');
  }

  get status() {
    return this.interaction.status;
  }

  get closed() {
    return this.interaction.status === 'closed';
  }

  canReply() {
    return this.role === 'held' && this.interaction.status === 'active' && this.interaction.agent_id === this.meId;
  }

  /** Add a stored event; true if it is new. Our own message replaces its pending copy
   * (the bus may deliver it before the `ack` names it), unless the caller already did. */
  addEvent(ev, claimPending = true) {
    if (this.events.has(ev.id)) return false;
    this.events.set(ev.id, ev);
    if (claimPending && ev.author_type === 'agent' && ev.author_id === this.meId) {
      for (const [cid, p] of this.pending) {
        if (p.body === ev.body && p.internal === (ev.kind === 'note')) {
          this.pending.delete(cid);
          break;
        }
      }
    }
    return true;
  }

  /** Replace the history with a server snapshot; pending messages stay until acked. */
  setSnapshot(events) {
    this.events = new Map();
    this.local = [];
    for (const ev of events || []) this.addEvent(ev);
  }

  addLocal(text) {
    const after = this.lastEventId();
    this.local.push({ key: 'l:' + (++this.localSeq), after, text, created_at: new Date().toISOString() });
  }

  lastEventId() {
    let max = 0;
    for (const id of this.events.keys()) if (id > max) max = id;
    return max;
  }

  /** Everything to draw, in order: stored events by id, local status lines where they happened, then pending. */
  items() {
    const items = [...this.events.values()].sort((a, b) => a.id - b.id).map((ev) => ({ key: 'e:' + ev.id, sort: ev.id, ev }));
    this.local.forEach((l, i) => items.push({ key: l.key, sort: l.after + 0.5 + i / 1000, local: l }));
    items.sort((a, b) => a.sort - b.sort);
    for (const p of this.pending.values()) items.push({ key: `p:${p.client_id}:${p.state}`, pending: p });
    return items;
  }

  lastMessage() {
    let last = null;
    for (const ev of this.events.values()) if (ev.kind === 'message' && (!last || ev.id > last.id)) last = ev;
    return last;
  }
}

export const Views = (() => {
  const { el } = Dom;

  // Status events store English keywords (repository/core/lifecycle.py); they are worded here, at render time.
  const REASONS = {
    rejected: t('rejected'),
    'reservation timed out': t('reservation timed out'),
    'agent disconnected': t('agent disconnected'),
    'server restarted': t('server restarted'),
    transferred: t('transferred'),
  };
  const reasonText = (reason) => REASONS[reason] || reason;

  function systemText(ev, wrapLabel) {
    const p = ev.payload || {};
    if (ev.kind === 'csat') {
      return ev.body ? t('Customer rated the conversation {rating}/5: “{comment}”', { rating: p.rating, comment: ev.body })
        : t('Customer rated the conversation {rating}/5', { rating: p.rating });
    }
    const body = ev.body || '';
    const slaLine = SlaBadge.line(body, p);
    if (slaLine) return slaLine;
    if (body.startsWith('transferred to ')) return t('Transferred to {target}', { target: body.slice('transferred to '.length) });
    switch (body) {
      case 'offered': return p.agent_name ? t('Offered to {agent}', { agent: p.agent_name }) : t('Offered to an agent');
      case 'accepted': return p.agent_name ? t('{agent} accepted the conversation', { agent: p.agent_name }) : t('An agent accepted the conversation');
      case 'requeued': return p.reason ? t('Returned to the queue ({reason})', { reason: reasonText(p.reason) }) : t('Returned to the queue');
      case 'closed': return p.disposition ? t('Closed · {label}', { label: wrapLabel(p.disposition) }) : t('Closed');
      case 'ended by customer': return t('Customer left the conversation');
      default: return body ? body.charAt(0).toUpperCase() + body.slice(1) : ev.kind;
    }
  }

  function body(text) {
    return el('div', { class: 'msg-body', text: text || '' });
  }

  function attachments(ev) {
    const list = (ev.payload && ev.payload.attachments) || [];
    return list.length ? el('div', { class: 'msg-attachments' }, list.map(Dom.attachmentNode)) : null;
  }

  /** One node of the thread. `wrapLabel` turns a wrap-up code into its label. */
  function messageNode(item, meId, wrapLabel) {
    if (item.local) {
      return el('div', { class: 'msg msg-system', testid: 'msg', dataset: { kind: 'status', local: 'true' } },
        el('span', { text: item.local.text }), el('time', { text: Dom.fmtTime(item.local.created_at) }));
    }
    if (item.pending) {
      const p = item.pending;
      const failed = p.state === 'failed';
      return el('div', {
        class: `msg msg-agent msg-mine msg-pending${p.internal ? ' msg-note' : ''}${failed ? ' msg-failed' : ''}`,
        testid: 'msg', dataset: { clientId: p.client_id, pending: 'true', kind: p.internal ? 'note' : 'message' },
      },
      el('div', { class: 'msg-meta' }, p.internal ? el('span', { class: 'note-label' }, Dom.icon('lock'), t('Internal note')) : null,
        el('span', { class: 'msg-state', text: failed ? t('Not sent') : t('Sending…') })),
      p.body ? body(p.body) : null,
      p.attachments && p.attachments.length ? el('div', { class: 'msg-attachments' }, p.attachments.map(Dom.attachmentNode)) : null,
      failed ? el('div', { class: 'msg-error' }, el('span', { text: p.error || t('The server refused this message.') }),
        el('button', { type: 'button', class: 'link', text: t('Retry'), dataset: { retry: p.client_id } }),
        el('button', { type: 'button', class: 'link', text: t('Discard'), dataset: { discard: p.client_id } })) : null);
    }
    const ev = item.ev;
    const data = { eventId: String(ev.id), kind: ev.kind };
    if (ev.kind === 'status' || ev.kind === 'transfer' || ev.kind === 'csat' || ev.author_type === 'system') {
      return el('div', { class: 'msg msg-system', testid: 'msg', dataset: data },
        el('span', { text: systemText(ev, wrapLabel) }), el('time', { text: Dom.fmtTime(ev.created_at) }));
    }
    const isNote = ev.kind === 'note' || ev.internal;
    // A supervisor's whisper: a note only this agent sees, highlighted so it is not missed.
    const isWhisper = isNote && !!(ev.payload && ev.payload.whisper);
    const mine = ev.author_type === 'agent' && ev.author_id === meId;
    const who = ev.author_type === 'customer' ? 'msg-customer' : 'msg-agent';
    const delivery = ev.delivery_status;
    const failed = delivery === 'failed' || delivery === 'undelivered';
    const deliveryError = (ev.payload && ev.payload.delivery_error) || '';
    // Email: subject, folded quote, sandboxed HTML (agent-email.js).
    const email = typeof EmailView === 'undefined' ? { before: null, after: null } : EmailView.parts(ev);
    return el('div', { class: `msg ${who}${mine ? ' msg-mine' : ''}${isNote ? ' msg-note' : ''}${isWhisper ? ' msg-whisper' : ''}`, testid: 'msg', dataset: data },
      el('div', { class: 'msg-meta' },
        isNote ? el('span', { class: 'note-label' }, Dom.icon('lock'), isWhisper ? t('Whisper from your supervisor') : t('Internal note')) : null,
        el('span', { class: 'msg-author', text: ev.author_name || (ev.author_type === 'customer' ? t('Customer') : t('Agent')) }),
        el('time', { text: Dom.fmtTime(ev.created_at), title: ev.created_at ? I18n.dateTime(Dom.parseTime(ev.created_at)) : '' }),
        delivery ? el('span', {
          class: `msg-state msg-state-${failed ? 'failed' : delivery}`,
          testid: 'delivery',
          text: deliveryLabel(delivery) + (deliveryError ? ` (${deliveryError})` : ''),
        }) : null),
      email.before,
      ev.body ? body(ev.body) : null,
      email.after,
      attachments(ev));
  }

  function deliveryLabel(state) {
    return ({ queued: t('Queued'), sending: t('Sending'), sent: t('Sent'), delivered: t('Delivered'),
      undelivered: t('Not delivered'), failed: t('Delivery failed') })[state] || state;
  }

  /** Draw a conversation's thread into `box`, reusing nodes so images do not reload. */
  function renderMessages(box, conv, meId, wrapLabel) {
    // Keyed by object, not id: a snapshot may replace the conversation object for the same id.
    if (box.owner !== conv) {
      Dom.clear(box);
      box.owner = conv;
      box.dataset.conv = String(conv.id);
    }
    box.querySelectorAll('.thread-note').forEach((n) => n.remove());
    const wanted = new Set();
    let cursor = box.firstChild;
    for (const item of conv.items()) {
      wanted.add(item.key);
      let node = conv.nodes.get(item.key);
      if (!node) {
        node = messageNode(item, meId, wrapLabel);
        conv.nodes.set(item.key, node);
      }
      if (node !== cursor) box.insertBefore(node, cursor);
      else cursor = cursor.nextSibling;
    }
    for (const [key, node] of conv.nodes) {
      if (!wanted.has(key)) {
        node.remove();
        conv.nodes.delete(key);
      }
    }
    if (!conv.events.size && !conv.pending.size) box.append(el('p', { class: 'muted thread-note', text: t('No messages yet.') }));
  }

  function listItem(conv, selected, onSelect, onDismiss) {
    const last = conv.lastMessage();
    const typing = [...conv.typing.values()].some((entry) => entry.who === 'customer');
    let flag = null;
    if (conv.status === 'wrapup') flag = el('span', { class: 'chip chip-warn', text: t('Customer left') });
    else if (conv.closed) flag = el('span', { class: 'chip', text: t('Closed') });
    else if (conv.role === 'watch') flag = el('span', { class: 'chip', text: Dom.statusLabel(conv.status) });
    // A real <button> inside the <li> (a list may only hold list items), so Enter and Space work natively.
    return el('li', {
      class: `conv-item${selected ? ' selected' : ''}${conv.closed ? ' is-closed' : ''}${conv.unread ? ' has-unread' : ''}`,
      testid: 'conv-item', dataset: { interactionId: String(conv.id) },
    },
    el('button', { type: 'button', class: 'conv-open', 'aria-current': selected ? 'true' : 'false', on: { click: () => onSelect(conv.id) } },
    Dom.avatar(conv.name),
    el('div', { class: 'conv-main' },
      el('div', { class: 'conv-row' },
        el('span', { class: 'conv-name', text: conv.name }),
        el('span', { class: 'conv-time', text: last ? Dom.fmtTime(last.created_at) : '' })),
      el('div', { class: 'conv-row' },
        typing ? el('span', { class: 'conv-preview is-typing', text: t('typing…') })
          : el('span', { class: 'conv-preview', text: last ? last.body || t('Attachment') : t('No messages yet') }),
        conv.unread ? el('span', { class: 'badge', testid: 'unread', text: String(conv.unread) }) : null),
      el('div', { class: 'conv-row conv-tags' }, Dom.channelChip(conv.interaction.channel), flag,
        SlaBadge.chip(conv.interaction.sla_status, conv.interaction.sla_due_at)))),
    onDismiss ? el('button', { type: 'button', class: 'conv-dismiss', title: t('Remove from list'), 'aria-label': t('Remove from list'), text: '×',
      on: { click: (e) => { e.stopPropagation(); onDismiss(conv.id); } } }) : null);
  }

  return { messageNode, renderMessages, listItem, attachments, systemText, reasonText };
})();
