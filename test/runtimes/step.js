// One step of a runtime check (smoke.js, examples.js): it must finish within its deadline (a
// runtime whose node:net lacks what sockflow expects tends to hang rather than fail). Prints
// one line per step; `failures()` counts the failed ones.
let failed = 0;

export async function step(name, run, ms = 20_000) {
  let timer;
  try {
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not done within ${ms} ms`)), ms);
    });
    const detail = await Promise.race([run(), deadline]);
    console.log(`ok    ${name}${detail ? `: ${detail}` : ''}`);
  } catch (err) {
    failed++;
    console.log(`FAIL  ${name}: ${err?.code ?? ''} ${err?.message ?? err}`);
  } finally {
    clearTimeout(timer);
  }
}

export function failures() {
  return failed;
}
