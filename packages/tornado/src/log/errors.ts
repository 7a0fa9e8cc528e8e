/**
 * The two errors bad logging options raise, shaped as Node's own argument errors are: a
 * `TypeError` when a value has the wrong type, a `RangeError` when it has the right type and a
 * value outside what the option accepts. Each message names the function, the option and the
 * value it got; each error carries Node's `code` so a caller can tell them apart without
 * parsing the message.
 */
import { formatValue } from '@aio/selector/internal';

/** `where(): option must be <expected>, got <value>` as a TypeError (`ERR_INVALID_ARG_TYPE`). */
export function optionTypeError(
  where: string,
  option: string,
  expected: string,
  value: unknown,
): TypeError {
  return Object.assign(
    new TypeError(`${where}: ${option} must be ${expected}, got ${formatValue(value)}`),
    { code: 'ERR_INVALID_ARG_TYPE' },
  );
}

/** `where(): option must be <expected>, got <value>` as a RangeError (`ERR_INVALID_ARG_VALUE`). */
export function optionValueError(
  where: string,
  option: string,
  expected: string,
  value: unknown,
): RangeError {
  return Object.assign(
    new RangeError(`${where}: ${option} must be ${expected}, got ${formatValue(value)}`),
    { code: 'ERR_INVALID_ARG_VALUE' },
  );
}

/** Checks that `value` is an integer ≥ `min`, naming the option when it is not. */
export function checkInteger(where: string, option: string, value: unknown, min: number): number {
  if (typeof value !== 'number') throw optionTypeError(where, option, 'a number', value);
  if (!Number.isInteger(value) || value < min) {
    throw optionValueError(where, option, `an integer >= ${min}`, value);
  }
  return value;
}
