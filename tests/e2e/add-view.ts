/**
 * The popup's "Add account" view driven as a user does, by accessible names: open it, pick a
 * method's tab, find and fill a control. Shared by popup-add.e2e.ts and popup-import.e2e.ts.
 */
import type { ElementHandle, Page } from 'puppeteer-core';
import { expect } from 'vitest';
import { axeViolations } from './a11y';
import type { Platform } from './platform';
import { pollUntil } from './harness';
import { byName, press } from './ui';

export async function openAdd(p: Platform): Promise<Page> {
  const page = await p.s.openExtPage('popup.html');
  await press(page, 'Add account');
  await byName(page, 'Platform address');
  return page;
}

/** A form control (input, textarea, select, file input) by its accessible name; not its label. */
export async function control(page: Page, name: string, timeoutMs = 10_000): Promise<ElementHandle<Element>> {
  await page.bringToFront();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const h of await page.$$(`::-p-aria(${JSON.stringify(name)})`).catch(() => [])) {
      if (await h.evaluate((el) => ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)).catch(() => false)) return h;
    }
    // Chromium's accessibility query does not return file inputs (their AX node is the button in
    // the user-agent shadow tree): go through the <label> that names the control.
    const labelled = await page.evaluateHandle(
      (n) => [...document.querySelectorAll('label')].find((l) => l.textContent?.trim() === n)?.control ?? null,
      name,
    );
    const el = labelled.asElement();
    if (el) return el as ElementHandle<Element>;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no form control named "${name}"`);
}

export async function tab(page: Page, name: string): Promise<void> {
  await page.bringToFront();
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    for (const h of await page.$$(`::-p-aria(${JSON.stringify(name)})`).catch(() => [])) {
      if ((await h.evaluate((el) => el.getAttribute('role')).catch(() => null)) === 'tab') {
        await h.click();
        if ((await h.evaluate((el) => el.getAttribute('aria-selected'))) === 'true') return;
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no tab named "${name}"`);
}

/** Replaces a field's text by typing, as a user would after selecting what was there. */
export async function fill(page: Page, name: string, text: string): Promise<void> {
  const field = await control(page, name);
  await field.evaluate((el) => {
    (el as HTMLInputElement).value = '';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await field.click();
  if (text) await field.type(text);
}

export interface Shown {
  summary: string;
  rows: { name: string; status: string }[];
  warnings: string[];
  buttons: string[];
}

/** The preview as shown: summary, one row per account, warnings and the buttons on offer. */
export async function preview(page: Page): Promise<Shown> {
  // Reviewing a large file (an encrypted one: its key derivation first) can take a while.
  await byName(page, 'Back', 'button', 20_000);
  return page.evaluate(() => {
    const list = [...document.querySelectorAll('ul')].find((u) => u.getAttribute('aria-label') === 'Accounts to add');
    return {
      summary: document.querySelector('.add-summary')?.textContent?.trim() ?? '',
      rows: [...(list?.querySelectorAll('li') ?? [])].map((li) => ({
        name: li.firstElementChild?.textContent?.trim() ?? '',
        status: li.lastElementChild?.textContent?.trim() ?? '',
      })),
      warnings: [...document.querySelectorAll('.add-warning')].map((w) => w.textContent?.trim() ?? ''),
      buttons: [...document.querySelectorAll('button')].map((b) => b.textContent?.trim() ?? ''),
    };
  });
}

/** The "Saved …" sentence once the accounts are saved. */
export async function saved(page: Page): Promise<string> {
  return pollUntil(page, () => [...document.querySelectorAll('[role=status]')].map((e) => e.textContent?.trim()).find((s) => s?.startsWith('Saved')) ?? '');
}

/** The error a field announces now (aria-invalid and its aria-describedby error), '' when none. */
export async function errorNow(page: Page, name: string): Promise<string> {
  return (await control(page, name)).evaluate((el) => {
    if (el.getAttribute('aria-invalid') !== 'true') return '';
    return (el.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .map((id) => document.getElementById(id))
      .filter((e) => e?.classList.contains('error'))
      .map((e) => e!.textContent ?? '')
      .join(' ');
  });
}

/** axe-core finds nothing wrong with the view as it is now. */
export async function expectAccessible(page: Page, state: string): Promise<void> {
  expect(await axeViolations(page), state).toEqual([]);
}
