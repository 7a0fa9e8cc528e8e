import { describe, expect, it } from 'vitest';
import { formatMs, niceTicks, tickLabel, tickUnit } from './axis';

const labels = (max: number, count: number): string[] => {
  const ticks = niceTicks(max, count);
  return ticks.values.map((v) => tickLabel(v, ticks));
};

describe('niceTicks', () => {
  it('picks the smallest round step that gives at most count intervals, in ms, for runs under two seconds', () => {
    expect(labels(1011, 6)).toEqual(['0', '200', '400', '600', '800', '1000']);
    expect(labels(102.6, 6)).toEqual(['0', '20', '40', '60', '80', '100']);
    expect(labels(300.9, 7)).toEqual(['0', '50', '100', '150', '200', '250', '300']);
    expect(tickUnit(niceTicks(1011, 6))).toBe('ms');
  });

  it('counts seconds for longer runs', () => {
    const ticks = niceTicks(4200, 9);
    expect(tickUnit(ticks)).toBe('s');
    expect(ticks.values.map((v) => tickLabel(v, ticks))).toEqual([
      '0',
      '0.5',
      '1',
      '1.5',
      '2',
      '2.5',
      '3',
      '3.5',
      '4',
    ]);
  });

  it('labels fractions of a ms without float noise', () => {
    expect(labels(0.9, 4)).toEqual(['0', '0.25', '0.5', '0.75']);
    expect(labels(0.35, 4)).toEqual(['0', '0.1', '0.2', '0.3']);
  });

  it('has a single tick at 0 for an empty or nonsense range', () => {
    expect(niceTicks(0, 5).values).toEqual([0]);
    expect(niceTicks(Number.NaN, 5).values).toEqual([0]);
  });
});

describe('formatMs', () => {
  it('keeps the digits that matter at each size', () => {
    expect(formatMs(0.42)).toBe('0.42 ms');
    expect(formatMs(0.3)).toBe('0.3 ms');
    expect(formatMs(101.94)).toBe('101.9 ms');
    expect(formatMs(1046.3)).toBe('1046 ms');
    expect(formatMs(12_345)).toBe('12.3 s');
    expect(formatMs(Number.NaN)).toBe('? ms');
  });
});
