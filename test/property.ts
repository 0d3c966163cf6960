// Options for every fast-check property: a seed that is printed, so a failure seen once can be
// replayed with FC_SEED=<seed> (and FC_RUNS=<n> to change the number of runs).
import fc from 'fast-check';

/**
 * fast-check parameters for the property `name`: its seed (FC_SEED, or a fresh one), printed
 * before the property runs, and `numRuns` (FC_RUNS, or `runs`).
 */
export function propertyRun<T>(name: string, runs: number): fc.Parameters<T> {
  const fromEnv = process.env.FC_SEED;
  const seed =
    fromEnv !== undefined && fromEnv !== ''
      ? Number(fromEnv)
      : (Date.now() ^ (Math.random() * 0x100000000)) | 0;
  if (!Number.isInteger(seed))
    throw new Error(`FC_SEED must be an integer: got ${String(fromEnv)}`);
  const numRuns = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : runs;
  console.info(`[property] ${name}: seed ${seed}, ${numRuns} runs (replay: FC_SEED=${seed})`);
  return { seed, numRuns };
}
