/**
 * `Deque`: a first-in, first-out list that takes from the front in O(1) — an array with a moving
 * head, for the queues' lines of waiters and items, a stream reader's chunks and a transport's
 * write buffer.
 *
 * Taking from the front moves the head instead of shifting the array (`Array#shift` moves every
 * element); the part before the head is dropped once it is most of the array, and an emptied
 * deque lets its array go and shares one empty array, so that ten thousand idle connections hold
 * no buffer arrays.
 */

/** Shared by every empty deque: never written to (a push replaces it with a new array). */
const NONE: never[] = [];
/** Below this many taken slots, compacting is not worth a splice. */
const COMPACT_AFTER = 64;

export class Deque<T> {
  // The items are #items[#head …]; the slots before #head are taken (undefined).
  #items: (T | undefined)[] = NONE;
  #head = 0;

  /** How many items there are. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Adds `value` at the back. */
  push(value: T): void {
    if (this.#items === NONE) this.#items = [];
    this.#items.push(value);
  }

  /** Adds `value` at the front (it comes out next). */
  unshift(value: T): void {
    if (this.#head > 0) this.#items[--this.#head] = value;
    else if (this.#items === NONE) this.#items = [value];
    else this.#items.unshift(value);
  }

  /** The first item, or undefined if there is none. */
  peek(): T | undefined {
    return this.#items[this.#head];
  }

  /** The `index`-th item from the front, or undefined past the end. */
  at(index: number): T | undefined {
    return this.#items[this.#head + index];
  }

  /** Replaces the first item (a chunk partly consumed); the deque is not empty. */
  replaceFirst(value: T): void {
    this.#items[this.#head] = value;
  }

  /** Takes the first item out, or gives undefined if there is none. */
  shift(): T | undefined {
    const items = this.#items;
    if (this.#head === items.length) return undefined;
    const value = items[this.#head];
    items[this.#head++] = undefined;
    if (this.#head === items.length) this.clear();
    else if (this.#head >= COMPACT_AFTER && this.#head * 2 >= items.length) {
      items.splice(0, this.#head);
      this.#head = 0;
    }
    return value;
  }

  /** Removes `value` wherever it is (O(n)); false if it is not there. */
  remove(value: T): boolean {
    const index = this.#items.indexOf(value, this.#head);
    if (index < 0) return false;
    this.#items.splice(index, 1);
    if (this.#head === this.#items.length) this.clear();
    return true;
  }

  /** Empties the deque, letting its array go. */
  clear(): void {
    this.#items = NONE;
    this.#head = 0;
  }
}
