/** "850 ms", "1.25 s", "12.3 s": milliseconds as a person reads them. */
export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** Three significant figures at most, no exponent: 1234 → "1234", 12.345 → "12.3", 0.5 → "0.5". */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return "–";
  if (Math.abs(n) >= 100) return String(Math.round(n));
  return String(Number(n.toPrecision(3)));
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** Binary units: 1185376 → "1.13 MiB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : Number(value.toPrecision(3))} ${UNITS[unit]}`;
}

/** Wall-clock time of an ISO timestamp, e.g. "14:03:07". */
export function formatClock(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString([], { hour12: false });
}
