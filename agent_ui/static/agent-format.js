/* Agent desktop: times, dates, money and sizes as the agent reads them, in their language
 * and time zone (agent-i18n.js). Server times are parsed by ui-core.js's parseTime().
 */
import { I18n, t } from './agent-i18n.js';
import { parseTime } from './ui-core.js';

export function fmtTime(iso) {
  const d = parseTime(iso);
  return d ? I18n.time(d) : '';
}

export function fmtDate(iso) {
  const d = parseTime(iso);
  if (!d) return '';
  // Compare calendar days in the agent's time zone, not the browser's.
  const day = (x) => new Intl.DateTimeFormat('en-CA', { timeZone: I18n.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(x);
  const today = new Date();
  if (day(d) === day(today)) return t('Today {time}', { time: fmtTime(iso) });
  const opts = { day: 'numeric', month: 'short', timeZone: I18n.timeZone };
  if (day(d).slice(0, 4) !== day(today).slice(0, 4)) opts.year = 'numeric';
  return d.toLocaleDateString(I18n.lang, opts);
}

export function fmtMoney(value) {
  const n = Number(value) || 0;
  return n.toLocaleString(I18n.lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

export function fmtSize(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(0) + ' KB';
  return (n / 1024 / 1024).toFixed(1) + ' MB';
}
