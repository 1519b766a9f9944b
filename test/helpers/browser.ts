// Debian's Chromium for the browser tests (playwright-core): where it is, and how it is started.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** The Chromium to drive, or undefined: the caller skips, saying so, except under CI=true where that is a failure. */
export function chromiumFor(testFile: string): string | undefined {
  const found = process.env.VIGIL_TEST_CHROMIUM || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
  if (!found) {
    if (process.env.CI === 'true') throw new Error('CI=true but Chromium is missing (/usr/bin/chromium or VIGIL_TEST_CHROMIUM): the browser tests cannot run');
    process.stderr.write(`${testFile}: skipped, no Chromium (apt-get install chromium, or set VIGIL_TEST_CHROMIUM)\n`);
  }
  return found;
}

export async function launchChromium(executablePath: string): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}
