/** How much history to make; `YEAR` is one year of ten channels, `scaleHistory` shrinks it. */
export interface HistoryShape {
  /** Commits across every source branch; master gets 80 %, release branches share the rest. */
  commits: number;
  releasesPerChannel: number;
  /** The newest evals of each channel keep their constituents; older ones only their gate build. */
  constituentEvalsPerChannel: number;
  constituents: number;
  /** Every `blockedEvery`-th release was preceded by a blocked spell (a blocked event). */
  blockedEvery: number;
}

/** 100k commits, 3k releases and 2k evals of 200 constituents over ten channels. */
export const YEAR: HistoryShape = {
  commits: 100_000,
  releasesPerChannel: 300,
  constituentEvalsPerChannel: 200,
  constituents: 200,
  blockedEvery: 4,
};

export function scaleHistory(shape: HistoryShape, factor: number): HistoryShape {
  const scale = (n: number, min: number) => Math.max(min, Math.round(n * factor));
  return {
    commits: scale(shape.commits, 500),
    releasesPerChannel: scale(shape.releasesPerChannel, 4),
    constituentEvalsPerChannel: scale(shape.constituentEvalsPerChannel, 2),
    constituents: scale(shape.constituents, 5),
    blockedEvery: shape.blockedEvery,
  };
}

/** A deterministic stream of numbers in [0, 1) from a seed (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** `words` × 8 hex digits from the stream: 5 for a git sha, 8 for a sha256. */
export function randomHex(random: () => number, words = 5): string {
  let hex = "";
  for (let i = 0; i < words; i++) {
    hex += Math.floor(random() * 4_294_967_296)
      .toString(16)
      .padStart(8, "0");
  }
  return hex;
}
