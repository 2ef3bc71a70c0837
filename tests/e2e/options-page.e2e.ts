/**
 * The options page as a whole: every section together passes axe, is reachable by keyboard
 * alone, speaks French in a French browser, and provides the README's screenshots.
 */
import { describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import type { Page } from 'puppeteer-core';
import { KIND, pollUntil } from './harness';
import { BASE, DEFAULT_REALM, type Platform, platformPerTest } from './platform';
import { axeViolations } from './a11y';

const platform = platformPerTest();

const en = JSON.parse(readFileSync('public/_locales/en/messages.json', 'utf8')) as Record<string, { message: string }>;
const fr = JSON.parse(readFileSync('public/_locales/fr/messages.json', 'utf8')) as Record<string, { message: string }>;

const SECRETS = ['JBSWY3DPEHPK3PXP', 'KRSXG5CTMVRXEZLU', 'MFRGGZDFMZTWQ2LK', 'GEZDGNBVGY3TQOJQ'];
const uri = (issuer: string, name: string, secret: string) =>
  `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(name)}?secret=${secret}&issuer=${encodeURIComponent(issuer)}`;

async function withAccounts(p: Platform) {
  const reply = await p.s.send({
    type: 'accounts.add',
    dryRun: false,
    accounts: [
      { uri: uri('ThingPark Enterprise', 'jane.doe@example.com', SECRETS[0]!), origin: BASE, realm: DEFAULT_REALM, deviceName: 'ThingPark Autofill · Chrome on Linux' },
      { uri: uri('ThingPark Enterprise', 'sam@example.com', SECRETS[1]!), origin: BASE, realm: DEFAULT_REALM, deviceName: 'Laptop' },
      { uri: uri('ThingPark Enterprise', 'ops@example.com', SECRETS[2]!), origin: 'https://thingparkenterprise.eu.actility.com', realm: 'tpe-eu', deviceName: 'Desk' },
      { uri: uri('Integrator', 'field-team', SECRETS[3]!), origin: 'https://tpe.integrator.example', realm: 'iot', deviceName: 'Support laptop' },
    ],
  });
  expect(reply?.ok).toBe(true);
}

async function openOptions(p: Platform): Promise<Page> {
  const page = await p.s.openExtPage('options.html');
  await pollUntil(page, () => document.querySelectorAll('section h2, form h2').length >= 5 && !!document.getElementById('backups-title'));
  return page;
}

describe(`options page in ${KIND}`, () => {
  it('has no axe violations with every section shown', async () => {
    const p = await platform();
    await withAccounts(p);
    const page = await openOptions(p);
    await pollUntil(page, () => document.body.innerText.includes('ops@example.com'));
    const violations = await axeViolations(page);
    expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
  });

  it('every control is reached with the Tab key, in page order, and has a name', async () => {
    const p = await platform();
    await withAccounts(p);
    const page = await openOptions(p);
    await pollUntil(page, () => document.body.innerText.includes('ops@example.com'));
    // What a keyboard user must be able to reach: every enabled, visible control.
    const wanted = await page.evaluate(() => {
      const all = [...document.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, summary, [tabindex="0"]')];
      return all
        .filter((el) => !(el as HTMLButtonElement).disabled && el.getClientRects().length > 0 && !el.closest('[inert], fieldset:disabled'))
        // Inside a closed <details> only its <summary> is shown.
        .filter((el) => {
          const details = el.closest('details');
          return !details || details.open || (el.tagName === 'SUMMARY' && el.parentElement === details);
        })
        .filter((el) => !(el instanceof HTMLInputElement && el.type === 'radio' && !el.checked))
        .map((el, i) => (el.dataset.tabProbe = String(i)));
    });
    const reached = new Set<string>();
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    for (let i = 0; i < wanted.length + 5; i++) {
      await page.keyboard.press('Tab');
      const probe = await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.tabProbe ?? null);
      if (probe != null) reached.add(probe);
    }
    const missed = await page.evaluate(
      (got) =>
        [...document.querySelectorAll<HTMLElement>('[data-tab-probe]')]
          .filter((el) => !got.includes(el.dataset.tabProbe!))
          .map((el) => el.outerHTML.slice(0, 120)),
      [...reached],
    );
    expect(missed).toEqual([]);
    expect(reached.size).toBeGreaterThan(20);
  });

  it('speaks French in a French browser', async (ctx) => {
    const p = await platform({ lang: 'fr' });
    await withAccounts(p);
    const page = await openOptions(p);
    const uiLanguage = await page.evaluate(() => ((globalThis as any).browser ?? (globalThis as any).chrome).i18n.getUILanguage());
    if (KIND === 'firefox' && !String(uiLanguage).startsWith('fr')) {
      console.log(`[skip] Firefox UI language is ${uiLanguage}: install firefox-esr-l10n-fr to run the French options test`);
      ctx.skip();
    }
    await pollUntil(page, () => document.body.innerText.includes('ops@example.com'));
    const text = await page.evaluate(() => document.body.innerText);
    for (const key of ['optionsTitle', 'settingsTitle', 'manageTitle', 'platformsTitle', 'backupsTitle']) {
      expect(text).toContain(fr[key]!.message);
    }
    // No English sentence is left on the page (messages that differ in French, long enough to be sentences).
    const english = Object.entries(en)
      .filter(([k, v]) => fr[k]?.message !== v.message && !v.message.includes('$') && v.message.length >= 12)
      .map(([k, v]) => ({ key: k, message: v.message }))
      .filter(({ message }) => text.includes(message));
    expect(english).toEqual([]);
    const violations = await axeViolations(page);
    expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
  });

  it.skipIf(KIND !== 'chromium')('screenshots for the README', async () => {
    const p = await platform();
    await withAccounts(p);
    const page = await openOptions(p);
    await page.setViewport({ width: 900, height: 1000 });
    await pollUntil(page, () => document.body.innerText.includes('ops@example.com'));
    mkdirSync('docs/screenshots', { recursive: true });
    const shoot = async (id: string, file: string) => {
      const section = await page.evaluateHandle((i) => document.getElementById(i)!.closest('section, form')!, id);
      await (section as any).screenshot({ path: `docs/screenshots/${file}` });
    };
    await shoot('settings-title', 'options-settings.png');
    await shoot('accounts-title', 'options-accounts.png');
    await shoot('platforms-title', 'options-platforms.png');
    await shoot('backups-title', 'options-backups.png');
  });
});
