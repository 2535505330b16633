/* Agent desktop: notices that stay until the agent dismisses them.
 *
 * A toast disappears after a few seconds; losing a chat must not. Used when a chat was
 * taken away while the desk was disconnected, with the customer's name and how long.
 */
import { Dom } from './agent-dom.js';
import { I18n, t } from './agent-i18n.js';

export const Notices = (() => {
  const { el } = Dom;

  function show(text, testid) {
    const box = document.getElementById('notices');
    const node = el('div', { class: 'notice', role: 'alert', testid: testid || 'notice' },
      el('span', { class: 'notice-text', text }),
      el('button', { type: 'button', class: 'notice-close', 'aria-label': t('Dismiss'), text: '×', on: { click: () => node.remove() } }));
    box.append(node);
    return node;
  }

  /** "Your chat with Rita went back to the queue because you were disconnected for 45 seconds." */
  function chatTakenAway(name, outageMs, why) {
    const seconds = Math.round(outageMs / 1000);
    let text;
    if (why === 'requeued' && seconds > 0) {
      text = t('Your chat with {name} went back to the queue because you were disconnected for {duration}.', { name, duration: I18n.duration(seconds) });
    } else if (why === 'requeued') {
      text = t('Your chat with {name} went back to the queue because your desktop was disconnected.', { name });
    } else if (seconds > 0) {
      text = t('Your chat with {name} is no longer yours: it changed while you were disconnected for {duration}.', { name, duration: I18n.duration(seconds) });
    } else {
      text = t('Your chat with {name} is no longer yours.', { name });
    }
    return show(text, 'chat-taken-away');
  }

  return { show, chatTakenAway };
})();
