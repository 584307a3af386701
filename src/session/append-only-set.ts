/**
 * A persistent insertion-ordered set of strings: `with` returns a new set and leaves the old one
 * as it was, in O(1) amortized time, by sharing one append-only log between successive versions.
 */

/** The log shared by a line of versions: items in insertion order, and where each first appears. */
class Log {
  readonly items: string[] = [];
  readonly index = new Map<string, number>();
}

/**
 * A version is a prefix of its log. Extending the newest version appends to the shared log;
 * extending an older one (a branch) first copies its prefix into a log of its own.
 *
 * @example
 * const a = AppendOnlySet.empty().with('x');
 * const b = a.with('y');
 * a.has('y') // false
 * b.values() // ['x', 'y']
 */
export class AppendOnlySet implements Iterable<string> {
  readonly #log: Log;
  /** How many of the log's items belong to this version. */
  readonly size: number;

  private constructor(log: Log, size: number) {
    this.#log = log;
    this.size = size;
  }

  static empty(): AppendOnlySet {
    return new AppendOnlySet(new Log(), 0);
  }

  /** O(1). */
  has(value: string): boolean {
    const i = this.#log.index.get(value);
    // INVARIANT: items at or past `size` belong to later versions (or another branch), not this one.
    return i !== undefined && i < this.size;
  }

  /** This set with `value` added at the end (this set itself when already present). */
  with(value: string): AppendOnlySet {
    if (this.has(value)) return this;
    let log = this.#log;
    if (log.items.length !== this.size) {
      log = new Log();
      for (let i = 0; i < this.size; i++) {
        const item = this.#log.items[i] as string;
        log.items.push(item);
        log.index.set(item, i);
      }
    }
    log.items.push(value);
    log.index.set(value, this.size);
    return new AppendOnlySet(log, this.size + 1);
  }

  /** The items in insertion order, as a new array. O(size). */
  values(): string[] {
    return this.#log.items.slice(0, this.size);
  }

  [Symbol.iterator](): Iterator<string> {
    return this.values()[Symbol.iterator]();
  }

  toJSON(): string[] {
    return this.values();
  }
}
