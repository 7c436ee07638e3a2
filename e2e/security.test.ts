/**
 * The Content-Security-Policy holds while the lab trains: no violation on the page or in its
 * workers on wasm (with threads) and on webgl, no request to any origin but the page's own, no
 * 'unsafe-eval', and an injected inline script does not run.
 */
import type { Browser, Request } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { byTestId, describeLab, launchChromium, openLab, waitForNumber } from './lab';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

for (const backend of ['wasm', 'webgl'] as const) {
  it(`trains on ${backend} under the policy, talking only to its own origin`, async () => {
    const lab = await openLab(browser, `/?backend=${backend}&epochs=2&stepsPerEpoch=2&batchSize=8&logEvery=1`, {
      enforceCsp: true,
    });
    const { page } = lab;
    const origin = new URL(page.url()).origin;
    const requests: string[] = [];
    const record = (request: Request) => requests.push(request.url());
    page.context().on('request', record);
    try {
      const response = await page.reload();
      expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self' 'wasm-unsafe-eval'/);
      expect(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')).toMatch(/connect-src 'self'/);
      await page.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { cspViolations: string[] }).cspViolations = seen;
        document.addEventListener('securitypolicyviolation', (event) =>
          seen.push(`${event.violatedDirective} ${event.blockedURI}`),
        );
      });
      await byTestId(page, 'train-button').click();
      await waitForNumber(lab, 'status-step', 3, 180_000);
      expect(await byTestId(page, 'status-backend').textContent()).toContain(backend);
      if (backend === 'wasm') expect(await byTestId(page, 'status-backend').textContent()).toMatch(/\d+ threads?/);
      expect(await byTestId(page, 'error-message').count(), await describeLab(lab)).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
      // Violations in workers show as console errors ("Refused to …"), which the lab records.
      expect(lab.problems).toEqual([]);
      const foreign = requests.filter((url) => !url.startsWith(`${origin}/`) && !/^(data|blob):/.test(url));
      expect(foreign).toEqual([]);
      expect(requests.some((url) => url.includes('/mnist/'))).toBe(true);

      // And the policy bites: no eval allowed, and an injected inline script does not run.
      expect(response?.headers()['content-security-policy']).not.toContain("'unsafe-eval'");
      const ran = await page.evaluate(async () => {
        const script = document.createElement('script');
        script.textContent = 'window.injectedRan = true;';
        document.head.append(script);
        await new Promise((resolve) => setTimeout(resolve, 100));
        return (window as unknown as { injectedRan?: boolean }).injectedRan === true;
      });
      expect(ran).toBe(false);
      // Reported once per policy that forbids it (the header and the <meta> tag).
      const reported = await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
      expect(reported.length).toBeGreaterThan(0);
      expect(reported.every((line) => /^script-src/.test(line))).toBe(true);
    } finally {
      page.context().off('request', record);
      await lab.close();
    }
  });
}
