/* Agent desktop: the keyboard. Every shortcut is listed on the `?` overlay.
 *
 * Shortcuts use Alt with a letter, matched by physical key (KeyA…) so they work on any
 * keyboard layout and on macOS, where Alt+letter types an accented character. Plain `?`
 * opens the overlay only when the agent is not typing in a field. An offer that arrives
 * takes the focus only if the agent is not typing, so a reply is never interrupted.
 * Letters the browsers keep for themselves (Alt+D address bar, Alt+F and Alt+E menus)
 * are not used.
 */
import { DeskActions } from './agent-desk-actions.js';
import { Desk } from './agent-desk.js';
import { Dom } from './agent-dom.js';
import { t } from './agent-i18n.js';

export const DeskKeys = (() => {
  const { el } = Dom;
  const { $, state, offers, composer } = Desk;

  // Writing text, that is; a focused select or button may lose the focus to an offer.
  const TEXT_INPUTS = /^(text|search|email|tel|url|password|number|date|time|datetime-local)$/;
  const typingIn = (node) => !!node && (node.isContentEditable || node.tagName === 'TEXTAREA'
    || (node.tagName === 'INPUT' && TEXT_INPUTS.test(node.type)));

  function oldestOffer() {
    let oldest = null;
    for (const offer of offers.offers.values()) if (!oldest || offer.deadline < oldest.deadline) oldest = offer;
    return oldest;
  }

  /** The conversations in the order the sidebar shows them. */
  function ordered() {
    const all = [...state.convs.values()];
    return all.filter((c) => c.role === 'held').concat(all.filter((c) => c.role === 'watch'));
  }

  function step(delta) {
    const list = ordered();
    if (!list.length) return;
    const at = list.findIndex((c) => c.id === state.selected);
    const next = list[(at + delta + list.length) % list.length];
    DeskActions.select(next.id);
  }

  function focusControl(id) {
    const node = $(id);
    if (node && !node.closest('[hidden]')) node.focus();
  }

  // [code, label shown, what it does, action]
  const SHORTCUTS = [
    ['KeyA', 'Alt+A', t('Accept the incoming contact'), () => { const o = oldestOffer(); if (o) offers.accept(o.interaction.id); }],
    ['KeyX', 'Alt+X', t('Decline the incoming contact'), () => { const o = oldestOffer(); if (o) offers.reject(o.interaction.id); }],
    ['ArrowDown', 'Alt+↓', t('Next conversation'), () => step(1)],
    ['ArrowUp', 'Alt+↑', t('Previous conversation'), () => step(-1)],
    ['KeyM', 'Alt+M', t('Write a reply (jump to the composer)'), () => composer.focus()],
    ['KeyN', 'Alt+N', t('Switch between reply and internal note'), () => { const box = $('note-toggle'); if (!box.disabled) { box.click(); composer.focus(); } }],
    ['KeyK', 'Alt+K', t('Search customers and conversations'), () => $('search-open').click()],
    ['KeyT', 'Alt+T', t('Transfer: choose a queue or colleague'), () => focusControl('transfer')],
    ['KeyW', 'Alt+W', t('Close with a wrap-up code'), () => focusControl('wrapup')],
  ];

  let overlay = null;
  function help(open) {
    if (!overlay) {
      overlay = el('div', { class: 'keys-overlay', testid: 'keys-help', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'keys-title', hidden: true,
        on: { click: (e) => { if (e.target === overlay) help(false); } } },
      el('div', { class: 'keys-card' },
        el('h2', { id: 'keys-title', text: t('Keyboard shortcuts') }),
        el('table', { class: 'keys-table' }, el('tbody', {},
          SHORTCUTS.map(([, keys, what]) => el('tr', {}, el('td', {}, el('kbd', { text: keys })), el('td', { text: what }))),
          el('tr', {}, el('td', {}, el('kbd', { text: 'Enter' })), el('td', { text: t('Send (Shift+Enter for a new line)') })),
          el('tr', {}, el('td', {}, el('kbd', { text: '/' })), el('td', { text: t('Canned replies, in the composer') })),
          el('tr', {}, el('td', {}, el('kbd', { text: '?' })), el('td', { text: t('Show this list') })))),
        el('button', { type: 'button', class: 'btn', testid: 'keys-close', text: t('Close'), on: { click: () => help(false) } })));
      document.body.append(overlay);
    }
    overlay.hidden = !open;
    if (open) overlay.querySelector('[data-testid=keys-close]').focus();
  }

  function onKey(e) {
    if (overlay && !overlay.hidden && e.key === 'Escape') {
      e.preventDefault();
      help(false);
      return;
    }
    if (e.altKey && !e.ctrlKey && !e.metaKey) {
      const hit = SHORTCUTS.find(([code]) => code === e.code);
      if (hit) {
        e.preventDefault();
        hit[3]();
      }
      return;
    }
    if (e.key === '?' && !e.ctrlKey && !e.metaKey && !typingIn(e.target)) {
      e.preventDefault();
      help(true);
    }
  }

  /** An offer arrived: put the focus on Accept unless the agent is typing somewhere. */
  function offerArrived(id) {
    if (!typingIn(document.activeElement)) offers.focus(id);
  }

  document.addEventListener('keydown', onKey);
  $('keys-open').addEventListener('click', () => help(true));
  return { help, offerArrived, SHORTCUTS };
})();
