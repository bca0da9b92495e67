// How numbers read on every page, export and report: one wording each.

/** "40 ms" under a tenth of a second (so a fast reply never reads as 0.0 s), else "0.4 s", "1.3 s". */
export function latencyText(ms: number): string {
  return ms < 100 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A share as a percentage with at most one decimal: "12.5%", "40%". */
export function percentText(fraction: number): string {
  return `${Number((fraction * 100).toFixed(1))}%`;
}

/** A span of speaking or answering time to the second: "45 s", "2 min", "2 min 5 s". */
export function secondsText(seconds: number): string {
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  const rest = whole % 60;
  return rest === 0 ? `${Math.floor(whole / 60)} min` : `${Math.floor(whole / 60)} min ${rest} s`;
}
