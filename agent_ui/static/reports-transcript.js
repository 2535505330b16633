/* /reports: one line of a transcript — who, when, and what: text, the customer's rating as
 * stars with its comment, and attachments (a thumbnail for images, a link for files), so a
 * rating or an image-only message is never an empty line.
 */
import { I18n, t } from './agent-i18n.js';
import { el } from './ui-core.js';

// Only links the hub made: a relative path or http(s). Anything else is shown as text.
const safeUrl = (url) => (typeof url === 'string' && (/^\/(?!\/)/.test(url) || /^https?:\/\//i.test(url)) ? url : null);

function stars(rating) {
  const n = Math.max(0, Math.min(5, Math.round(Number(rating) || 0)));
  return el('span', { class: 'rep-stars', role: 'img', 'aria-label': t('{rating} out of 5 stars', { rating: n }) },
    el('span', { 'aria-hidden': 'true', text: '★'.repeat(n) + '☆'.repeat(5 - n) }));
}

function attachment(att) {
  const name = (att && att.filename) || t('attachment');
  const url = safeUrl(att && att.url);
  if (!url) return el('span', { class: 'rep-file', text: name });
  if (/^image\//.test((att && att.content_type) || '')) {
    return el('a', { class: 'rep-image', href: url, target: '_blank', rel: 'noopener noreferrer', title: name },
      el('img', { src: url, alt: name, loading: 'lazy' }));
  }
  return el('a', { class: 'rep-file', href: url, target: '_blank', rel: 'noopener noreferrer', text: name });
}

export function line(e) {
  const kind = e.kind === 'csat' ? 'csat' : e.author_type === 'system' ? 'system' : e.kind === 'note' ? 'note' : e.author_type;
  const payload = e.payload || {};
  const who = e.kind === 'note' ? (payload.whisper ? t('Whisper') : t('Internal note'))
    : e.kind === 'csat' ? t('Customer rating') : (e.author_name || e.author_type);
  const files = Array.isArray(payload.attachments) ? payload.attachments : [];
  return el('div', { class: `rep-msg rep-msg-${kind}`, 'data-testid': 'transcript-line', 'data-kind': e.kind },
    el('small', { text: I18n.time ? I18n.time(e.created_at) : e.created_at }),
    el('small', { text: who }),
    e.kind === 'csat' && payload.rating ? stars(payload.rating) : null,
    e.body ? el('span', { class: 'rep-text', text: e.body }) : null,
    files.length ? el('div', { class: 'rep-files' }, files.map(attachment)) : null);
}
