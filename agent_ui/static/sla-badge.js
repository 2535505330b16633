/* The SLA flag of a contact (docs/sla.md), shared by the desk's conversation list and the
 * supervisor page: "SLA soon" when a target is approaching, "SLA breached" once it is
 * breached, with the due time as a tooltip. Strings go through t() (agent-i18n.js).
 */
import { t } from './agent-i18n.js';

const LABELS = { approaching: 'SLA soon', breached: 'SLA breached' };

/** A chip for ``status`` ("approaching", "breached"), or null when the contact is on track. */
function chip(status, dueAt) {
  if (!LABELS[status]) return null;
  const node = document.createElement('span');
  node.className = `chip sla-chip sla-${status}`;
  node.dataset.testid = 'sla-flag';
  node.dataset.sla = status;
  node.textContent = status === 'breached' ? t('SLA breached') : t('SLA soon');
  if (dueAt) {
    const when = new Date(dueAt);
    if (!Number.isNaN(when.getTime())) node.title = t('Due {time}', { time: when.toLocaleString() });
  }
  return node;
}

/** Put the flag at the end of ``cell`` (replacing an older one), or take it away. */
function mark(cell, status, dueAt) {
  if (!cell) return;
  const old = cell.querySelector('.sla-chip');
  if (old) old.remove();
  const node = chip(status, dueAt);
  if (node) cell.append(' ', node);
}

const TARGETS = { first_response: () => t('first response'), resolution: () => t('resolution') };

/** The timeline's SLA and overflow lines in words, or null for any other line. */
function line(body, payload) {
  const p = payload || {};
  const target = TARGETS[p.target] ? TARGETS[p.target]() : '';
  if (body.startsWith('overflowed to ')) return t('Moved to the overflow queue {queue}', { queue: body.slice('overflowed to '.length) });
  switch (body) {
    case 'sla approaching': return t('SLA {target} target approaching', { target });
    case 'sla breached': return t('SLA {target} target breached', { target });
    case 'priority raised': return t('Priority raised from {from} to {to}', { from: p.from, to: p.to });
    case 'skills widened': return t('Offered beyond the queue’s skills');
    case 'supervisors notified': return t('Supervisors notified');
    case 'webhook sla.breached': return t('SLA webhook sent');
    default: return null;
  }
}

export const SlaBadge = { chip, mark, line };
