// Seeds for every randomized test: printed, so a failure seen once can be replayed with
// FC_SEED=<seed> (and, for fast-check properties, FC_RUNS=<n> to change the number of runs).
import fc from 'fast-check';

function seedFor(name: string, what: string): number {
  const fromEnv = process.env.FC_SEED;
  const seed =
    fromEnv !== undefined && fromEnv !== ''
      ? Number(fromEnv)
      : (Date.now() ^ (Math.random() * 0x100000000)) | 0;
  if (!Number.isInteger(seed))
    throw new Error(`FC_SEED must be an integer: got ${String(fromEnv)}`);
  console.info(`[property] ${name}: seed ${seed}${what} (replay: FC_SEED=${seed})`);
  return seed;
}

/**
 * A seeded pseudo-random source for randomized tests that are not fast-check properties (the
 * seed is printed, FC_SEED replays it): returns floats in [0, 1), as Math.random() does.
 */
export function seededRandom(name: string): () => number {
  let x = seedFor(name, '') >>> 0 || 1;
  return () => {
    // xorshift32
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

/**
 * fast-check parameters for the property `name`: its seed (FC_SEED, or a fresh one), printed
 * before the property runs, and `numRuns` (FC_RUNS, or `runs`).
 */
export function propertyRun<T>(name: string, runs: number): fc.Parameters<T> {
  const numRuns = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : runs;
  const seed = seedFor(name, `, ${numRuns} runs`);
  return { seed, numRuns };
}
