/**
 * Type assertions for the consumer fixture, which is type-checked and never run:
 * `expectType<Equal<typeof x, number>>()` fails to compile unless `x` is exactly a number.
 */
type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
declare function expectType<T extends true>(): void;
