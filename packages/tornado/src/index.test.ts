import { describe, expect, it } from 'vitest';
import * as api from './index';

describe('@aio/tornado surface', () => {
  it('exports exactly the names it promises', () => {
    expect(Object.keys(api).sort()).toEqual(['LAYER']);
    expect(api.LAYER).toBe('tornado');
  });
});
