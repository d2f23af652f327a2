//! Small display helpers.

/** `abcdef…7890` for long hex ids. */
export function shortId(id: string, keep = 6): string {
  return id.length <= keep * 2 + 1 ? id : `${id.slice(0, keep)}…${id.slice(-4)}`;
}

export function formatScore(score: number): string {
  return score.toFixed(3);
}

export function formatPercent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}
