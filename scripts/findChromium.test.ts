import { describe, expect, it } from 'vitest';
import { INSTALL_HINT, findChromium, requireChromium } from './findChromium';

const machine = (files: string[], env: Record<string, string>) => ({
  env,
  isExecutable: (path: string) => files.includes(path),
});

describe('finding a browser', () => {
  it('takes CHROMIUM_PATH first, and refuses one that is not there', () => {
    const search = machine(['/opt/my/chrome', '/usr/bin/chromium'], { CHROMIUM_PATH: '/opt/my/chrome', PATH: '/usr/bin' });
    expect(findChromium(search)).toBe('/opt/my/chrome');
    expect(() => findChromium(machine([], { CHROMIUM_PATH: '/nowhere/chrome' }))).toThrow(/CHROMIUM_PATH is \/nowhere\/chrome/);
  });

  it('looks for the usual names on the PATH, in order of the names', () => {
    const search = machine(['/a/google-chrome', '/b/chromium-browser'], { PATH: '/a:/b' });
    expect(findChromium(search)).toBe('/b/chromium-browser');
    expect(findChromium(machine(['/home/me/bin/microsoft-edge'], { PATH: '/usr/bin:/home/me/bin' }))).toBe('/home/me/bin/microsoft-edge');
  });

  it('falls back to the install locations, macOS included', () => {
    const mac = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome';
    expect(findChromium(machine([mac], { PATH: '/usr/bin' }))).toBe(mac);
  });

  it('says in one line what to install when there is none', () => {
    expect(findChromium(machine([], { PATH: '/usr/bin' }))).toBeNull();
    expect(() => requireChromium(machine([], {}))).toThrow(INSTALL_HINT);
    expect(INSTALL_HINT).not.toContain('\n');
    expect(INSTALL_HINT).toContain('apt-get install -y chromium');
  });
});
