/* Agent desktop: state, the server's frames, and the page.
 *
 * The server is the source of truth: a `welcome` replaces everything, `conversation`
 * replaces one thread, and every other frame is applied idempotently (see Conversation
 * in agent-views.js). The protocol is defined by agent_ui/desk.py and agent_socket.py.
 */
'use strict';

(() => {
  const { el, clear, fill, toast } = Dom;
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
      const handler = handlers[frame.type];
      if (!handler) return;
      try {
        handler(frame);
      } catch (err) {
        console.error('agent desktop: cannot apply frame', frame.type, err);
      }
    },
    onStatus: (status, detail) => pill.show(status, detail),
  });

  const offers = new OfferTray($('offers'), { send: (frame) => send(frame), changed: () => renderTitle() });

  const composer = new Composer({
    send: sendMessage,
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

  // -- frames from the server --------------------------------------------------------
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

  /** After welcome or resume: the server forgot what we were viewing, and unsent messages go again. */
  function afterConnect() {
    if (state.wantPresence && socket.send({ type: 'presence', state: state.wantPresence })) state.wantPresence = null;
    for (const conv of state.convs.values()) conv.viewing = false;
    const conv = selectedConv();
    if (conv && !conv.closed) startViewing(conv);
    for (const c of state.convs.values()) {
      for (const p of c.pending.values()) {
        if (p.state === 'sending') socket.send({ type: p.internal ? 'note' : 'reply', interaction_id: c.id, body: p.body, client_id: p.client_id });
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
    const before = conv.interaction;
    conv.interaction = i;
    if (mine && (i.status === 'active' || i.status === 'wrapup')) conv.role = 'held';
    if (conv.role === 'held' && !mine && i.status !== 'closed') {
      // Transferred or requeued: no longer ours.
      toast(reason === 'transferred' ? t('{name} was transferred.', { name: conv.name })
        : reason ? t('{name} went back to the queue ({reason}).', { name: conv.name, reason: Views.reasonText(reason) })
          : t('{name} went back to the queue.', { name: conv.name }), 'info');
      dropConversation(conv.id);
      return;
    }
    if (before.status !== i.status) {
      const lines = {
        wrapup: t('Customer left the conversation'),
        closed: i.disposition ? t('Closed · {label}', { label: wrapLabel(i.disposition) }) : t('Closed'),
        active: t('Conversation accepted'),
        queued: t('Returned to the queue'),
      };
      if (lines[i.status]) conv.addLocal(lines[i.status]);
    }
    if (i.status === 'closed') {
      conv.typing.clear();
      if (conv.viewing) stopViewing(conv);
    }
    render();
  }

  // -- actions --------------------------------------------------------------------------
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

  function sendMessage(body, internal) {
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
    conv.pending.set(clientId, { client_id: clientId, body, internal, state: 'sending', created: new Date().toISOString() });
    socket.send({ type: internal ? 'note' : 'reply', interaction_id: conv.id, body, client_id: clientId });
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
      conv.pending.set(id, { ...p, state: 'sending', error: '' });
      socket.send({ type: p.internal ? 'note' : 'reply', interaction_id: conv.id, body: p.body, client_id: id });
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

  // -- drawing --------------------------------------------------------------------------
  function render() {
    renderList();
    renderThread();
    renderTitle();
  }

  function renderStatic() {
    renderTransferOptions();
    const wrap = $('wrapup');
    const current = wrap.value;
    fill(wrap, el('option', { value: '', text: t('Wrap-up code') }),
      ...state.wrapups.map((w) => el('option', { value: w.code, text: w.label })));
    wrap.value = state.wrapups.some((w) => w.code === current) ? current : '';
    $('me-avatar').textContent = Dom.initials(state.me.display_name);
  }

  function renderTransferOptions() {
    const sel = $('transfer');
    const current = sel.value;
    const others = [...state.agents.values()].filter((a) => a.id !== state.me.id);
    fill(sel, el('option', { value: '', text: t('Transfer to…') }),
      el('optgroup', { label: t('Queues') }, state.queues.map((q) => el('option', { value: 'queue:' + q.id, text: q.name }))),
      others.length ? el('optgroup', { label: t('Agents') }, others.map((a) => el('option', { value: 'agent:' + a.id, text: `${a.display_name} · ${PRESENCE[a.presence] || a.presence}` }))) : null);
    sel.value = current;
    if (sel.value !== current) sel.value = '';
  }

  function renderList() {
    const held = [...state.convs.values()].filter((c) => c.role === 'held');
    const watched = [...state.convs.values()].filter((c) => c.role === 'watch');
    fill($('conv-list'), ...held.map((c) => Views.listItem(c, c.id === state.selected, select, c.closed ? dropConversation : null)));
    fill($('watch-list'), ...watched.map((c) => Views.listItem(c, c.id === state.selected, select, dropConversation)));
    $('watch-section').hidden = !watched.length;
    $('conv-empty').hidden = held.length > 0;
    const live = held.filter((c) => !c.closed).length;
    $('conv-count').textContent = live ? String(live) : '';
  }

  function renderThread() {
    const conv = selectedConv();
    $('thread-empty').hidden = !!conv;
    $('thread-main').hidden = !conv;
    composer.attach(conv);
    renderContextPanel(conv);
    if (!conv) return;
    const i = conv.interaction;
    if ($('thread-main').dataset.conv !== String(conv.id)) {
      // A choice made for one conversation must not be applied to the next one.
      $('thread-main').dataset.conv = String(conv.id);
      $('transfer').value = '';
      $('wrapup').value = '';
    }
    fill($('thread-avatar'), Dom.avatar(conv.name, 'avatar-md'));
    $('thread-name').textContent = conv.name;
    fill($('thread-meta'), Dom.channelChip(i.channel), Dom.statusChip(i.status),
      conv.role === 'watch' ? el('span', { class: 'chip chip-watch', text: i.agent_id ? t('Watching · notes only') : t('In queue · notes only') }) : null,
      i.subject ? el('span', { class: 'thread-subject', text: i.subject }) : null,
      el('span', { class: 'muted small', text: t('#{id} · started {date}', { id: i.id, date: Dom.fmtDate(i.created_at) }) }));

    const viewers = $('viewers');
    clear(viewers);
    if (conv.viewers.size) {
      viewers.append(el('span', { class: 'viewers-label', text: t('Also viewing:') }),
        ...[...conv.viewers.values()].map((n) => el('span', { class: 'viewer-chip', title: n }, Dom.avatar(n, 'avatar-xs'), el('span', { text: n }))));
    }

    const privileged = state.me.role === 'supervisor' || state.me.role === 'admin';
    const mayAct = conv.role === 'held' || privileged;
    $('transfer-group').hidden = !(mayAct && (i.status === 'active' || i.status === 'offered'));
    $('close-group').hidden = !(mayAct && (i.status === 'active' || i.status === 'wrapup'));
    $('dismiss-conv').hidden = !conv.closed;

    const banner = $('banner');
    banner.className = 'banner';
    if (i.status === 'wrapup' && mayAct) {
      banner.textContent = t('Customer left — choose a wrap-up code and close the conversation.');
      banner.classList.add('banner-warn');
    } else if (conv.closed) {
      banner.textContent = i.disposition ? t('This conversation is closed · {label}.', { label: wrapLabel(i.disposition) }) : t('This conversation is closed.');
      banner.classList.add('banner-muted');
    } else {
      banner.textContent = '';
    }
    banner.hidden = !banner.textContent;
    banner.dataset.testid = i.status === 'wrapup' ? 'wrapup-banner' : 'banner';

    const box = $('messages');
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
    const switched = box.owner !== conv;
    Views.renderMessages(box, conv, state.me.id, wrapLabel);
    if (atBottom || switched) box.scrollTop = box.scrollHeight;
    renderTyping(conv);
  }

  function renderTyping(conv) {
    const box = clear($('typing'));
    for (const who of conv.typing.values()) {
      const line = el('div', { class: 'typing-line' }, el('span', { class: 'dots', 'aria-hidden': 'true' }, el('i'), el('i'), el('i')),
        el('span', { text: who.who === 'customer' ? t('Customer is typing…') : who.name ? t('{name} is typing…', { name: who.name }) : t('A colleague is typing…') }));
      if (who.preview) line.append(el('span', { class: 'typing-preview', text: who.preview }));
      box.append(line);
    }
  }

  let contextKey = null;
  function renderContextPanel(conv) {
    const panel = $('context');
    const key = conv ? [conv.context, conv.id, conv.status] : null;
    if (contextKey && key && key.every((v, n) => v === contextKey[n]) && panel.firstChild) return;
    contextKey = key;
    const customer = (conv && conv.context && conv.context.customer) || {};
    Object.assign(panel.dataset, { interactionId: conv ? String(conv.id) : '', customerId: customer.id ? String(customer.id) : '', customerPhone: customer.phone || '' });
    if (!conv) fill(panel, el('p', { class: 'muted context-empty', text: t('Select a conversation to see the customer.') }));
    else if (!conv.context) fill(panel, el('p', { class: 'muted context-empty', text: t('Loading customer…') }));
    else {
      // The timeline was read when the contact arrived; show this contact's status as it is now.
      const timeline = (conv.context.timeline || []).map((item) => (item.id === conv.id ? { ...item, status: conv.status } : item));
      fill(panel, el('h3', { class: 'panel-title', text: t('Customer') }), Dom.renderContext({ ...conv.context, timeline }, { currentId: conv.id }));
    }
  }

  function renderTeam(list) {
    const box = clear($('team-list'));
    if (!list.length) box.append(el('li', { class: 'muted small', text: t('No live conversations right now.') }));
    for (const item of list) {
      const who = item.agent_id === state.me.id ? t('You') : item.agent_name || t('Waiting in queue');
      box.append(el('li', { class: 'team-item', testid: 'team-item', dataset: { interactionId: String(item.id) } },
        Dom.avatar(item.customer_name || t('Customer')),
        el('div', { class: 'team-main' },
          el('div', { class: 'conv-name', text: item.customer_name || t('Customer') }),
          el('div', { class: 'team-meta' }, Dom.channelChip(item.channel), Dom.statusChip(item.status),
            el('span', { class: 'muted small', text: `${who} · ${Dom.fmtDate(item.created_at)}` }))),
        el('button', { type: 'button', class: 'btn btn-small', testid: 'team-view', text: t('Open'), on: { click: () => openFromTeam(item) } })));
    }
  }

  function renderPresence(presence) {
    $('presence').value = presence;
    $('presence-dot').className = 'presence-dot p-' + presence;
  }

  function renderTitle() {
    const unread = [...state.convs.values()].reduce((n, c) => n + c.unread, 0);
    const count = unread + offers.size;
    document.title = (count ? `(${count}) ` : '') + (offers.size ? t('Incoming') + ' · ' : '') + t('Agent desktop') + ' · ' + t('Contact Center');
  }

  // -- wiring -------------------------------------------------------------------------------
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
    if (expired) render();
  }, 250);

  renderStatic();
  render();
  socket.start();
})();
