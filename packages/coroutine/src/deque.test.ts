/** Deque: first in, first out, through compaction, unshift, replaceFirst and remove. */
import { expect, it } from 'vitest';
import { Deque } from './deque';

function drain<T>(deque: Deque<T>): T[] {
  const out: T[] = [];
  for (let value = deque.shift(); value !== undefined; value = deque.shift()) out.push(value);
  return out;
}

it('gives items first in, first out, across many pushes and shifts (and compactions)', () => {
  const deque = new Deque<number>();
  const got: number[] = [];
  let next = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 37; i++) deque.push(next++);
    for (let i = 0; i < 30; i++) got.push(deque.shift()!);
  }
  got.push(...drain(deque));
  expect(got).toEqual(Array.from({ length: next }, (_, i) => i));
  expect(deque.length).toBe(0);
  expect(deque.shift()).toBeUndefined();
});

it('unshift puts an item back in front, into the slot a shift freed or ahead of the array', () => {
  const deque = new Deque<string>();
  deque.unshift('b'); // empty: a new array
  deque.push('c');
  deque.unshift('a');
  expect(deque.shift()).toBe('a');
  deque.unshift('again'); // the slot before the head
  expect(drain(deque)).toEqual(['again', 'b', 'c']);
});

it('peek, at and replaceFirst read and replace without taking', () => {
  const deque = new Deque<string>();
  deque.push('x');
  deque.push('y');
  deque.shift();
  deque.push('z');
  expect([deque.peek(), deque.at(0), deque.at(1), deque.at(2), deque.length]).toEqual([
    'y',
    'y',
    'z',
    undefined,
    2,
  ]);
  deque.replaceFirst('Y');
  expect(drain(deque)).toEqual(['Y', 'z']);
});

it('remove takes an item out of the middle; clear empties it', () => {
  const deque = new Deque<number>();
  for (const n of [1, 2, 3, 4]) deque.push(n);
  deque.shift();
  expect(deque.remove(3)).toBe(true);
  expect(deque.remove(1)).toBe(false); // shifted already
  expect(drain(deque)).toEqual([2, 4]);
  deque.push(5);
  deque.clear();
  expect([deque.length, deque.peek()]).toEqual([0, undefined]);
});
