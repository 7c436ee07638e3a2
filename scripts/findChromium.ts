/**
 * Finds a Chromium-family browser on this machine for the e2e tests, the bench, the screenshot
 * and `train:browser`: `CHROMIUM_PATH` first, then the usual names on the PATH, then the usual
 * install locations (Linux, macOS, Windows). Playwright's own browser downloads are never used.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Names a Chromium-family browser goes by on the PATH, most likely first. */
export const BROWSER_NAMES = [
  'chromium',
  'chromium-browser',
  'google-chrome',
  'google-chrome-stable',
  'microsoft-edge',
  'microsoft-edge-stable',
];

/** Where browsers are installed when they are not on the PATH. */
export const INSTALL_LOCATIONS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/opt/google/chrome/chrome',
  '/usr/bin/microsoft-edge',
  '/opt/microsoft/msedge/msedge',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
  'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
];

/** What to run to get a browser, in one line. */
export const INSTALL_HINT =
  'No Chromium-family browser found: install one (Debian/Ubuntu: `apt-get install -y chromium`; ' +
  'macOS: `brew install --cask chromium`) or set CHROMIUM_PATH to a Chrome, Chromium or Edge executable.';

export interface BrowserSearch {
  env: Record<string, string | undefined>;
  /** True when `path` is a file this process may run. */
  isExecutable(path: string): boolean;
}

const hostSearch: BrowserSearch = {
  env: process.env,
  isExecutable(path) {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
};

/** The browser to drive, or null when there is none. A CHROMIUM_PATH that is not there is an error. */
export function findChromium(search: BrowserSearch = hostSearch): string | null {
  const chosen = search.env.CHROMIUM_PATH;
  if (chosen) {
    if (!search.isExecutable(chosen)) throw new Error(`CHROMIUM_PATH is ${chosen}, which is not an executable file.`);
    return chosen;
  }
  const dirs = (search.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of BROWSER_NAMES) {
    for (const dir of dirs) {
      const path = join(dir, name);
      if (search.isExecutable(path)) return path;
    }
  }
  return INSTALL_LOCATIONS.find((path) => search.isExecutable(path)) ?? null;
}

/** The browser to drive; throws the one-line install hint when there is none. */
export function requireChromium(search?: BrowserSearch): string {
  const path = findChromium(search);
  if (!path) throw new Error(INSTALL_HINT);
  return path;
}

/** `node scripts/runTs.mjs scripts/findChromium.ts`: prints the browser, or the hint and exit code 1. */
export function main(): void {
  const path = findChromium();
  if (!path) {
    console.error(INSTALL_HINT);
    process.exit(1);
  }
  console.log(`Browser for the end-to-end tests: ${path}`);
}
