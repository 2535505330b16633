/* Small helpers shared by the live monitor and the reports page: elements and figures.
 * Durations are written compactly (0:42, 3:05, 1:02:10) so a column never changes width
 * from one update to the next. Strings go through t() (agent-i18n.js).
 */
'use strict';

(() => {
  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'text') node.textContent = value;
      else if (key === 'class') node.className = value;
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };

  const clock = (seconds) => {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return '—';
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = String(s % 60).padStart(2, '0');
    return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
  };

  const pct = (value) => (value === null || value === undefined ? '—' : `${Math.round(value)}%`);

  const channelName = (ch) => ({ chat: t('Chat'), email: t('Email'), sms: t('SMS'), voice: t('Voice') })[ch] || ch;

  const stateName = (state) => ({
    available: t('Available'), busy: t('Busy'), away: t('Away'), offline: t('Offline'),
  })[state] || state;

  const formulaName = (formula, threshold) => ({
    answered: t('answered within {t} s ÷ answered', { t: threshold }),
    with_abandons: t('(answered + abandoned within {t} s) ÷ (answered + abandoned)', { t: threshold }),
    offered: t('answered within {t} s ÷ offered, short abandons excluded', { t: threshold }),
  })[formula] || formula;

  window.Sup = { el, clock, pct, channelName, stateName, formulaName };
})();
