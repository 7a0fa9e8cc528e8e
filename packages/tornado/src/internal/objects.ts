/**
 * Small object helpers for the request path, where a throwaway array or object per request is
 * garbage the collector pays for.
 */

/** `Object.keys(object).length > 0`, without the array. */
export function hasOwnKeys(object: object): boolean {
  for (const key in object) if (Object.hasOwn(object, key)) return true;
  return false;
}
