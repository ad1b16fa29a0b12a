/**
 * The p-th percentile (0..100) of values already sorted ascending, by linear interpolation between
 * the closest ranks: the default of numpy and of spreadsheet PERCENTILE.INC. Undefined for no
 * values, so an empty run reports no latency rather than 0 or NaN.
 */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;

  const rank = (p / 100) * (n - 1);
  const lower = Math.floor(rank);
  const upper = Math.min(lower + 1, n - 1);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (rank - lower);
}

/** A growable array of doubles: 8 bytes a value, no boxing, for a million latencies. */
export class NumberColumn {
  private data = new Float64Array(64);
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(value: number): void {
    if (this.size === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.size++] = value;
  }

  /** A sorted copy, leaving the column in arrival order. */
  sorted(): Float64Array {
    return this.data.slice(0, this.size).sort();
  }
}
