// Screenshots of the documentation site (`npm run docs` builds it into docs/api/): its index
// and one class page, taken by a headless Chromium (Debian's `chromium`), written to
// .build/screenshots/. `npm run docs:screenshots`; look at them after changing the site's
// configuration or the guides: the pages must read well (navigation in guide order, code
// highlighted, no broken layout).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '../..');
const OUT = join(ROOT, '.build/screenshots');
const PAGES = {
  'index.png': 'docs/api/index.html',
  'connection.png': 'docs/api/classes/sockflow.Connection.html',
  'getting-started.png': 'docs/api/documents/Getting_started.html',
};

const browser = ['chromium', 'chromium-browser', 'google-chrome'].find(
  (b) => spawnSync(b, ['--version'], { stdio: 'ignore' }).status === 0,
);
if (browser === undefined) {
  console.error("No headless browser: install Debian's chromium (apt-get install chromium)");
  process.exit(1);
}
mkdirSync(OUT, { recursive: true });
let failed = 0;
for (const [name, page] of Object.entries(PAGES)) {
  const file = join(ROOT, page);
  if (!existsSync(file)) {
    console.error(`${page} is missing: run npm run docs first`);
    process.exit(1);
  }
  const shot = join(OUT, name);
  const r = spawnSync(
    browser,
    [
      '--headless',
      '--no-sandbox', // CI runs as root
      '--disable-gpu',
      '--hide-scrollbars',
      '--virtual-time-budget=10000', // let the page's scripts lay it out first
      '--window-size=1440,1000',
      `--screenshot=${shot}`,
      pathToFileURL(file).href,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  const ok = r.status === 0 && existsSync(shot) && statSync(shot).size > 10_000;
  console.log(`${ok ? 'ok  ' : 'FAIL'}  ${page} → ${shot}`);
  if (!ok) {
    failed++;
    console.error(r.stderr);
  }
}
process.exit(failed === 0 ? 0 : 1);
