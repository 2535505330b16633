/* Small helpers shared by the live monitor and the reports page: figures and names.
 * Durations are written compactly (0:42, 3:05, 1:02:10, ui-core.js's elapsed()) so a column
 * never changes width from one update to the next. Strings go through t() (agent-i18n.js).
 */
import { t } from './agent-i18n.js';
import { channelLabels, elapsed } from './ui-core.js';

export const clock = elapsed;

export const pct = (value) => (value === null || value === undefined ? '—' : `${Math.round(value)}%`);

// The hub's channels as the server lists them (ui-core.js), labelled once per page.
const CHANNEL_LABELS = channelLabels(t);
export const channelName = (ch) => CHANNEL_LABELS[ch] || ch;

export const stateName = (state) => ({
  available: t('Available'), busy: t('Busy'), away: t('Away'), offline: t('Offline'),
})[state] || state;

export const formulaName = (formula, threshold) => ({
  answered: t('answered within {t} s ÷ answered', { t: threshold }),
  with_abandons: t('(answered + abandoned within {t} s) ÷ (answered + abandoned)', { t: threshold }),
  offered: t('answered within {t} s ÷ offered, short abandons excluded', { t: threshold }),
})[formula] || formula;
