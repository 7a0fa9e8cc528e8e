import { expect, it } from 'vitest';
import { isFdOpen } from './fd';
import { Socket } from './socket';

it('isFdOpen tells an open fd from a closed or invalid one', () => {
  const sock = new Socket();
  const fd = sock.fileno();
  expect(isFdOpen(fd)).toBe(true);
  sock.close();
  expect(isFdOpen(fd)).toBe(false);
  expect(isFdOpen(-1)).toBe(false);
  expect(isFdOpen(1.5)).toBe(false);
});
