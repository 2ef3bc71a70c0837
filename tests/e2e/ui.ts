/** Page helpers that find controls by their accessible names, as users' scripts do. */
import type { ElementHandle, Page } from 'puppeteer-core';
import { pollUntil } from './harness';

type Role = 'textbox' | 'button' | 'checkbox';

/**
 * A control by its accessible name as the browser computes it (puppeteer's ARIA query: CDP in
 * Chromium, WebDriver BiDi in Firefox). Firefox's BiDi locator reports no role for password
 * inputs and also matches the <label>, so the role is checked on the element itself.
 */
export async function byName(page: Page, name: string, role: Role = 'textbox', timeoutMs = 10_000): Promise<ElementHandle<Element>> {
  // Background tabs get no animation frames; keep the page in front while we drive it.
  await page.bringToFront();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const handles = await page.$$(`::-p-aria(${JSON.stringify(name)})`).catch(() => []);
    for (const h of handles) {
      const matches = await h
        .evaluate((el, r) => {
          const explicit = el.getAttribute('role');
          if (explicit) return explicit === r;
          const tag = el.tagName.toLowerCase();
          const type = (el.getAttribute('type') ?? 'text').toLowerCase();
          if (r === 'button') return tag === 'button' || (tag === 'input' && ['submit', 'button', 'reset'].includes(type));
          if (r === 'checkbox') return tag === 'input' && type === 'checkbox';
          return tag === 'textarea' || (tag === 'input' && !['checkbox', 'radio', 'submit', 'button', 'reset', 'hidden', 'file'].includes(type));
        }, role)
        .catch(() => false);
      if (matches) return h;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no ${role} named "${name}" within ${timeoutMs} ms`);
}

export async function typeInto(page: Page, name: string, text: string): Promise<void> {
  const field = await byName(page, name);
  await field.click();
  await field.type(text);
}

export async function press(page: Page, name: string): Promise<void> {
  await (await byName(page, name, 'button')).click();
}

/** Text of the first `[role=alert]` that says something. */
export async function alertText(page: Page): Promise<string> {
  return pollUntil(page, () =>
    [...document.querySelectorAll('[role=alert]')].map((e) => e.textContent?.trim()).find(Boolean) ?? '',
  );
}
