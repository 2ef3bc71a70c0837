/** Page helpers that find controls by their accessible names, as users' scripts do. */
import type { ElementHandle, Page } from 'puppeteer-core';
import { pollUntil } from './harness';

/** A form control by the text of its <label>, or a button by its text: the accessible name. */
export async function byName(page: Page, name: string, role: 'textbox' | 'button' | 'checkbox' = 'textbox'): Promise<ElementHandle<Element>> {
  // Background tabs get no animation frames, and puppeteer polls selectors on them.
  await page.bringToFront();
  const handle = await page.waitForSelector(`::-p-aria([name="${name}"][role="${role}"])`, { timeout: 10_000 });
  if (!handle) throw new Error(`no ${role} named "${name}"`);
  return handle;
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
