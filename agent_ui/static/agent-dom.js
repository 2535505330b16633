/* Agent desktop: DOM helpers, formatting, customer context, toasts, sound.
 *
 * The element builder and the clock are ui-core.js's, the formatting agent-format.js's;
 * Dom hands them on so the desk's parts have one place to take them from.
 *
 * Everything a customer controls (names, identities, bodies, suggestions) is put
 * on the page with textContent through el(); nothing here ever sets innerHTML.
 */
import { Analytics } from './agent-analytics.js';
import { fmtDate, fmtMoney, fmtSize, fmtTime } from './agent-format.js';
import { append, channelLabels, clear, el, fill, parseTime } from './ui-core.js';
import { I18n, t, tn } from './agent-i18n.js';

export const Dom = (() => {
  // Feather-style outline icons (stroke paths); the machine may lack an emoji font.
  const ICONS = {
    clip: ['M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48'],
    lock: ['M5 11h14a2 2 0 0 1 2 2v7a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-7a2 2 0 0 1 2-2z', 'M7 11V7a5 5 0 0 1 10 0v4'],
    tip: ['M9 18h6', 'M10 22h4', 'M12 2a7 7 0 0 0-4 12.7V16h8v-1.3A7 7 0 0 0 12 2z'],
  };
  function icon(name) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    for (const [k, v] of Object.entries({ viewBox: '0 0 24 24', width: '14', height: '14', fill: 'none', stroke: 'currentColor',
      'stroke-width': '2', 'stroke-linecap': 'round', 'stroke-linejoin': 'round', class: 'icon', 'aria-hidden': 'true' })) svg.setAttribute(k, v);
    for (const d of ICONS[name] || []) {
      const path = document.createElementNS(ns, 'path');
      path.setAttribute('d', d);
      svg.append(path);
    }
    return svg;
  }

  function initials(name) {
    // Letters and digits only, so "<img …>" does not become an avatar of "<".
    const words = String(name || '').split(/\s+/).map((w) => w.replace(/[^\p{L}\p{N}]/gu, '')).filter(Boolean);
    const letters = words.slice(0, 2).map((w) => Array.from(w)[0]);
    return (letters.join('') || '?').toUpperCase();
  }

  /** A stable hue per name, so the same customer keeps the same avatar colour. */
  function hue(text) {
    let h = 0;
    for (const ch of String(text || '')) h = (h * 31 + ch.codePointAt(0)) % 360;
    return h;
  }

  function avatar(name, extraClass) {
    return el('span', {
      class: 'avatar ' + (extraClass || ''),
      style: `--avatar-hue:${hue(name)}`,
      text: initials(name),
      'aria-hidden': 'true',
    });
  }

  // The hub's channels (ui-core.js reads the server's list), known and labelled once per page.
  const CHANNELS = channelLabels(t);
  function channelChip(channel) {
    return el('span', { class: `chip chip-channel ch-${CHANNELS[channel] ? channel : 'other'}`, text: CHANNELS[channel] || channel || '—' });
  }

  const STATUSES = {
    queued: t('Queued'), offered: t('Offered'), active: t('Active'), wrapup: t('Wrap-up'), closed: t('Closed'),
  };
  // The default value tiers (contact_center/analytics/config.py); admins' own names show as typed.
  const TIERS = {
    platinum: t('platinum'), gold: t('gold'), silver: t('silver'), bronze: t('bronze'), standard: t('standard'),
  };
  const statusLabel = (status) => STATUSES[status] || status || '';
  function statusChip(status) {
    return el('span', { class: `chip chip-status st-${status}`, text: statusLabel(status) });
  }

  /** Only same-site paths and http(s) links: a javascript: URL must never become a link. */
  function safeUrl(url) {
    if (typeof url !== 'string' || !url) return null;
    if (url.startsWith('/') && !url.startsWith('//')) return url;
    try {
      const u = new URL(url);
      return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
    } catch (_) {
      return null;
    }
  }

  function attachmentNode(att) {
    const url = safeUrl(att && att.url);
    const name = (att && att.filename) || t('attachment');
    const isImage = /^image\//.test((att && att.content_type) || '');
    if (!url && att && att.too_large) {
      // Email keeps files up to EMAIL_ATTACHMENT_MAX_BYTES; say why a larger one is missing.
      const mb = (bytes) => Math.max(1, Math.round(bytes / 1048576));
      const reason = t('not kept: {size} MB over the {limit} MB limit', { size: mb(att.size), limit: mb(att.limit) });
      return el('span', { class: 'attachment attachment-missing', testid: 'attachment-too-large' },
        el('span', { text: name }), el('span', { class: 'muted', text: ' · ' + reason }));
    }
    if (!url) return el('span', { class: 'attachment', text: name });
    if (isImage) {
      return el('a', { class: 'attachment attachment-image', href: url, target: '_blank', rel: 'noopener noreferrer', title: name },
        el('img', { src: url, alt: name, loading: 'lazy' }));
    }
    return el('a', { class: 'attachment', href: url, target: '_blank', rel: 'noopener noreferrer' },
      icon('clip'), el('span', { text: name }),
      el('span', { class: 'muted', text: ' · ' + fmtSize(att.size) }));
  }

  // -- customer context ---------------------------------------------------------
  function churnClass(risk) {
    if (risk >= 0.6) return 'risk-high';
    if (risk >= 0.3) return 'risk-mid';
    return 'risk-low';
  }

  /** The customer, their value, suggestions and every past contact. Used by offers and the side panel. */
  function renderContext(context, options) {
    const opts = options || {};
    const root = el('div', { class: 'ctx' + (opts.compact ? ' ctx-compact' : '') });
    if (!context || !context.customer) {
      root.append(el('p', { class: 'muted', text: t('No customer details.') }));
      return root;
    }
    const c = context.customer;
    const value = context.value || {};
    const tier = String(value.tier || c.tier || 'standard');
    const risk = Math.max(0, Math.min(1, Number(value.churn_risk ?? c.churn_risk) || 0));
    const name = c.display_name || c.email || c.phone || t('Unknown customer');

    root.append(el('div', { class: 'ctx-head' },
      avatar(name, 'avatar-lg'),
      el('div', { class: 'ctx-who' },
        el('div', { class: 'ctx-name', testid: 'customer-name', text: name }),
        el('span', { class: `tier tier-${/^[a-z]+$/.test(tier) ? tier : 'other'}`, testid: 'tier', text: TIERS[tier] || tier }))));

    const ids = [];
    // claimed_email: an email a web chat visitor typed that their site did not sign (channels/webchat/identity.py).
    const ID_KINDS = { email: t('email'), phone: t('phone'), webchat: t('web chat'), claimed_email: t('unverified, claimed:') };
    const seen = new Set();
    const addId = (kind, v) => {
      if (!v || seen.has(kind + ':' + v)) return;
      seen.add(kind + ':' + v);
      ids.push(el('li', {}, el('span', { class: 'id-kind', text: ID_KINDS[kind] || kind }), el('span', { class: 'id-value', text: v })));
    };
    addId('email', c.email);
    addId('phone', c.phone);
    for (const i of c.identities || []) addId(i.kind, i.value);
    addId('claimed_email', c.attributes && c.attributes.claimed_email);
    if (ids.length) root.append(el('ul', { class: 'ctx-ids' }, ids));

    root.append(el('div', { class: 'ctx-stats' },
      el('div', { class: 'stat' }, el('span', { class: 'stat-label', text: t('Lifetime value') }),
        el('span', { class: 'stat-value', testid: 'ltv', text: fmtMoney(value.lifetime_value ?? c.lifetime_value) })),
      el('div', { class: 'stat' }, el('span', { class: 'stat-label', text: t('Churn risk') }),
        el('span', { class: 'stat-value ' + churnClass(risk), testid: 'churn', text: new Intl.NumberFormat(I18n.lang, { style: 'percent' }).format(Math.round(risk * 100) / 100) }),
        el('span', { class: 'meter' }, el('span', { class: 'meter-fill ' + churnClass(risk), style: `width:${Math.round(risk * 100)}%` })))));

    // Churn reasons, offers and last orders (agent-analytics.js).
    root.append(...Analytics.render(context, opts));

    const tips = context.suggestions || [];
    if (tips.length) {
      root.append(el('h4', { class: 'ctx-title', text: t('Suggestions') }),
        el('ul', { class: 'ctx-tips', testid: 'suggestions' }, tips.map((tip) => el('li', {}, icon('tip'), el('span', { text: tip })))));
    }

    const attrs = c.attributes && typeof c.attributes === 'object' ? Object.entries(c.attributes) : [];
    if (attrs.length && !opts.compact) {
      root.append(el('h4', { class: 'ctx-title', text: t('Details') }),
        el('dl', { class: 'ctx-attrs' }, attrs.slice(0, 20).flatMap(([k, v]) => [
          el('dt', { text: k }), el('dd', { text: typeof v === 'object' ? JSON.stringify(v) : String(v) })])));
    }

    const timeline = context.timeline || [];
    root.append(el('h4', { class: 'ctx-title', text: tn('History · {num} contact', 'History · {num} contacts', timeline.length) }));
    if (!timeline.length) root.append(el('p', { class: 'muted small', text: t('First contact.') }));
    const limit = opts.compact ? 4 : timeline.length;
    root.append(el('ol', { class: 'timeline', testid: 'timeline' }, timeline.slice(0, limit).map((item) =>
      el('li', { class: 'tl-item' + (item.id === opts.currentId ? ' tl-current' : '') },
        el('div', { class: 'tl-top' }, channelChip(item.channel), statusChip(item.status),
          item.id === opts.currentId ? el('span', { class: 'chip chip-now', text: t('this contact') }) : null,
          el('span', { class: 'tl-date', text: fmtDate(item.created_at) })),
        item.subject ? el('div', { class: 'tl-subject', text: item.subject }) : null,
        el('div', { class: 'tl-msg', text: item.last_message || '—' }),
        item.disposition ? el('div', { class: 'tl-disp muted small', text: t('Wrap-up: {code}', { code: item.disposition }) }) : null))));
    if (timeline.length > limit) root.append(el('p', { class: 'muted small', text: t('+ {num} earlier', { num: timeline.length - limit }) }));
    return root;
  }

  // -- toasts -------------------------------------------------------------------
  function toast(message, kind) {
    const box = document.getElementById('toasts');
    if (!box) return;
    const node = el('div', { class: 'toast toast-' + (kind || 'error'), role: kind === 'info' ? 'status' : 'alert', testid: 'toast' },
      el('span', { text: message }),
      el('button', { class: 'toast-close', type: 'button', 'aria-label': t('Dismiss'), text: '×', on: { click: () => node.remove() } }));
    box.append(node);
    setTimeout(() => node.remove(), kind === 'info' ? 4000 : 7000);
  }

  // -- attention: sound and desktop notifications --------------------------------
  let audio = null;
  /** Browsers only start audio after a gesture, so the context is made on the first click or key. */
  function unlockAttention() {
    try {
      if (!audio && (window.AudioContext || window.webkitAudioContext)) {
        audio = new (window.AudioContext || window.webkitAudioContext)();
      }
      if (audio && audio.state === 'suspended') audio.resume();
    } catch (_) { audio = null; }
    if ('Notification' in window && Notification.permission === 'default') {
      try { Notification.requestPermission().catch(() => {}); } catch (_) { /* old API or blocked */ }
    }
  }

  function beep() {
    if (!audio) return;
    try {
      const now = audio.currentTime;
      [[880, 0], [1175, 0.18]].forEach(([freq, at]) => {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.type = 'sine';
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, now + at);
        gain.gain.exponentialRampToValueAtTime(0.25, now + at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, now + at + 0.16);
        osc.connect(gain).connect(audio.destination);
        osc.start(now + at);
        osc.stop(now + at + 0.18);
      });
    } catch (_) { /* sound is a nicety */ }
  }

  function notify(title, body, tag, onClick) {
    if (!('Notification' in window) || Notification.permission !== 'granted') return null;
    try {
      const n = new Notification(title, { body, tag, renotify: true });
      n.onclick = () => { window.focus(); if (onClick) onClick(); n.close(); };
      return n;
    } catch (_) {
      return null;
    }
  }

  return {
    el, append, clear, fill, icon, parseTime, fmtTime, fmtDate, fmtMoney, initials, avatar, channelChip, statusChip, statusLabel,
    attachmentNode, renderContext, toast, unlockAttention, beep, notify, safeUrl,
  };
})();
