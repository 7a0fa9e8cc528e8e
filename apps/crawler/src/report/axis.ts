/** The time axis: nice tick values for a range of milliseconds, and how to print them. */

export interface Ticks {
  /** 0, step, 2·step, … up to the end of the range. */
  readonly values: readonly number[];
  readonly step: number;
  /** Whether the labels count seconds (`0.5`, `1`, … `s`) rather than milliseconds. */
  readonly seconds: boolean;
}

/**
 * Ticks from 0 to `max` ms, at most `count` intervals apart, at the smallest step of 1, 2, 2.5 or 5
 * times a power of ten that allows, so that the labels are round: 0, 200, 400 … or 0, 0.5 s, 1 s …
 */
export function niceTicks(max: number, count: number): Ticks {
  if (!(max > 0) || !Number.isFinite(max)) return { values: [0], step: 1, seconds: false };
  const raw = max / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw * (1 - 1e-9))!;
  const values: number[] = [];
  // Multiply rather than add, so that 0.1 + 0.2 drift never shows in a label.
  for (let i = 0; i * step <= max * (1 + 1e-9); i++) values.push(i * step);
  return { values, step, seconds: max >= 2000 && step >= 100 };
}

/** A tick label, without its unit: `200`, `0.5`, `2.5`. */
export function tickLabel(value: number, ticks: Ticks): string {
  const scaled = ticks.seconds ? value / 1000 : value;
  const step = ticks.seconds ? ticks.step / 1000 : ticks.step;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (isHalf(step) ? 1 : 0));
  const text = scaled.toFixed(Math.min(decimals, 6));
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** 2.5 and 0.25 need one more decimal than their power of ten. */
function isHalf(step: number): boolean {
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  return Math.abs(mantissa - 2.5) < 1e-9;
}

export function tickUnit(ticks: Ticks): string {
  return ticks.seconds ? 's' : 'ms';
}

/** A duration for people: `0.3 ms`, `0.42 ms`, `101.9 ms`, `1046 ms`, `12.3 s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '? ms';
  const abs = Math.abs(ms);
  if (abs < 1) return `${Number(ms.toFixed(2))} ms`;
  if (abs < 1000) return `${ms.toFixed(1)} ms`;
  if (abs < 10_000) return `${ms.toFixed(0)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}
