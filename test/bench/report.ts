/**
 * Output for benchmarks: figures printed as aligned lines, plus percentiles. Benchmarks report, they
 * never assert on time.
 * @module
 */

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function report(title: string, figures: Record<string, string | number>): void {
  const width = Math.max(...Object.keys(figures).map((name) => name.length));
  const lines = Object.entries(figures).map(
    ([name, value]) => `  ${name.padEnd(width)}  ${typeof value === "number" ? format(value) : value}`,
  );
  console.log(`\n${title}\n${lines.join("\n")}\n`);
}

function format(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}
