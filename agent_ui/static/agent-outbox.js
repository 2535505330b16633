/* Agent desktop: replies and notes not yet acknowledged, kept across reloads and outages.
 *
 * A reply lives in its conversation's `pending` map until the server's `ack` names its
 * client_id. This file mirrors those maps into sessionStorage (per tab, per agent), so a
 * reload during an outage does not lose what the agent typed, and the desk resends the
 * same client_id when it is back: the server stores a client_id once (hub.reply's
 * external id), so a resend can never post a reply twice. A reply the server did not
 * answer within ACK_TIMEOUT_MS of being sent is shown as failed, with Retry.
 */
import { t } from './agent-i18n.js';

export const DeskOutbox = (() => {
  const ACK_TIMEOUT_MS = 20000;
  const key = (agentId) => 'cc-desk-outbox:' + agentId;

  /** Write every conversation's pending messages, with what is needed to show them again. */
  function save(agentId, convs) {
    const items = [];
    for (const conv of convs.values()) {
      for (const p of conv.pending.values()) {
        items.push({ ...p, interaction: conv.interaction, customer_name: conv.name });
      }
    }
    try {
      if (items.length) sessionStorage.setItem(key(agentId), JSON.stringify(items));
      else sessionStorage.removeItem(key(agentId));
    } catch (_) { /* storage full or disabled: the page still holds them */ }
  }

  /** What a previous page of this tab left unsent. */
  function load(agentId) {
    try {
      const items = JSON.parse(sessionStorage.getItem(key(agentId)) || '[]');
      return Array.isArray(items) ? items.filter((p) => p && p.client_id && p.interaction && p.interaction.id) : [];
    } catch (_) {
      return [];
    }
  }

  /** Pending messages sent but not acknowledged in time become failed; true if any changed. */
  function expire(convs, now) {
    let changed = false;
    for (const conv of convs.values()) {
      for (const [id, p] of conv.pending) {
        if (p.state === 'sending' && p.sentAt && now - p.sentAt > ACK_TIMEOUT_MS) {
          conv.pending.set(id, { ...p, state: 'failed', error: t('The server did not confirm this message.') });
          changed = true;
        }
      }
    }
    return changed;
  }

  return { save, load, expire, ACK_TIMEOUT_MS };
})();
