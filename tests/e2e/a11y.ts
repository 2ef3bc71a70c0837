/** axe-core checks of extension pages in both browsers. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'puppeteer-core';

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  /** CSS selectors of the offending nodes. */
  targets: string[];
}

let axeSource: string | null = null;

/**
 * Runs axe-core on the page and returns its violations. axe is injected with `page.evaluate` of
 * its source: evaluation by the automation protocol is not subject to the extension page's CSP
 * (`script-src 'self'`), which would block `addScriptTag`.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  const loaded = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === 'object');
  if (!loaded) await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (globalThis as any).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    // Nothing passed means nothing was checked (an empty page, axe not really run): not a pass.
    if (!result.passes.length) throw new Error('axe checked nothing on this page');
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      targets: v.nodes.map((n: any) => n.target.join(' ')),
    }));
  });
}
