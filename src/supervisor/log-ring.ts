// A fixed-size ring of the most recent items: a replica's last lines stay in memory at a bounded
// cost however much the model prints.

/** Keeps the last `capacity` items pushed; older ones are dropped. */
export class LogRing<T> {
  readonly capacity: number;
  #items: (T | undefined)[];
  /** Index where the next item goes. */
  #next = 0;
  #size = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`log ring capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#items = new Array<T | undefined>(capacity);
  }

  /** Number of items held (at most `capacity`). */
  get size(): number {
    return this.#size;
  }

  /** Adds an item, dropping the oldest one when the ring is full. */
  push(item: T): void {
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#size < this.capacity) this.#size++;
  }

  /** The most recent items, newest first; at most `limit` (all held items by default). */
  newest(limit: number = this.#size): T[] {
    const count = Math.max(0, Math.min(limit, this.#size));
    const out: T[] = [];
    for (let i = 1; i <= count; i++) {
      out.push(this.#items[(this.#next - i + this.capacity) % this.capacity] as T);
    }
    return out;
  }
}
