/* Axis ticks a person can read: 0, 1, 2, 3 for a maximum of 2.5 contacts (not 0, 1, 3),
 * and 0:00, 0:02, 0:04, 0:06 for times (not 0:00, 0:03, 0:05).
 *
 * Steps are 1, 2, 2.5 or 5 times a power of ten; whole steps only for counts; for
 * durations, steps that read well on a clock (1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15,
 * 30 min, 1, 2, 3, 6, 12 h). A fixed maximum (100 %, 5 stars) is kept and divided evenly.
 */

const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

function candidates(raw, { integer, time }) {
  if (time) {
    const steps = TIME_STEPS.filter((s) => s >= raw);
    return steps.length ? steps : [Math.ceil(raw / 86400) * 86400];
  }
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 2.5, 5, 10, 20].map((m) => m * p).filter((s) => s >= raw && (!integer || Number.isInteger(s)));
}

/** {max, ticks} for values up to `value`. opts: {integer, time, fixedMax, intervals (about 4)} */
export function nice(value, opts = {}) {
  const intervals = opts.intervals || 4;
  if (opts.fixedMax) {
    const top = opts.fixedMax;
    // The smallest readable step that divides the fixed maximum into at most `intervals` parts.
    const step = candidates(top / intervals, opts).find((s) => Math.abs(top / s - Math.round(top / s)) < 1e-9) || top;
    return { max: top, ticks: range(top, step) };
  }
  const top = value > 0 ? value : 1;
  let raw = top / intervals;
  if (opts.integer) raw = Math.max(1, raw);
  const step = candidates(raw, opts)[0] || raw;
  const max = Math.ceil(top / step - 1e-9) * step;
  return { max, ticks: range(max, step) };
}

function range(max, step) {
  const ticks = [];
  for (let k = 0; k * step <= max + 1e-9; k += 1) ticks.push(Number((k * step).toFixed(10)));
  return ticks;
}
