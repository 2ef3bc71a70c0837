import { afterEach, describe, expect, it } from 'vitest';
import { FIREFOX_FAST_SUSPEND, KIND, launch, type Session } from './harness';
import { alertText, byName, press, typeInto } from './ui';

const PASSPHRASE = 'correct horse battery staple';

let sessions: Session[] = [];
async function start(opts: Parameters<typeof launch>[0] = {}): Promise<Session> {
  const s = await launch(opts);
  sessions.push(s);
  return s;
}
afterEach(async () => {
  // In reverse: a restarted browser shares its profile with the first, which owns and removes it.
  for (const s of sessions.reverse()) await s.close();
  sessions = [];
});

async function createVault(s: Session) {
  const page = await s.openExtPage('options.html');
  await typeInto(page, 'Passphrase', PASSPHRASE);
  await typeInto(page, 'Confirm passphrase', PASSPHRASE);
  await press(page, 'Create vault');
  await byName(page, 'Lock', 'button');
  return page;
}

describe(`vault in ${KIND}`, () => {
  it('opens the options page on install, creates a vault, locks and unlocks it', async () => {
    const s = await start();
    // The install opened the options page in a tab by itself.
    await s.findExtTab('options.html');

    const page = await createVault(s);
    expect((await s.send({ type: 'vault.status' })).value.state).toBe('unlocked');

    await press(page, 'Lock');
    await byName(page, 'Unlock', 'button');
    expect((await s.send({ type: 'vault.status' })).value.state).toBe('locked');

    await typeInto(page, 'Passphrase', PASSPHRASE);
    await press(page, 'Unlock');
    await byName(page, 'Lock', 'button');
    expect((await s.send({ type: 'vault.status' })).value.state).toBe('unlocked');
  });

  it('refuses a short passphrase and a mismatched confirmation, saying why', async () => {
    const s = await start();
    const page = await s.openExtPage('options.html');
    await typeInto(page, 'Passphrase', 'short');
    await typeInto(page, 'Confirm passphrase', 'short');
    await press(page, 'Create vault');
    expect(await alertText(page)).toMatch(/at least 8 characters/);

    await typeInto(page, 'Passphrase', '-long-enough');
    await typeInto(page, 'Confirm passphrase', '-different');
    await press(page, 'Create vault');
    expect(await alertText(page)).toMatch(/not the same/);
    expect((await s.send({ type: 'vault.status' })).value.state).toBe('none');
    expect(await s.storageLocal()).not.toHaveProperty('vault');
  });

  it('shows "wrong passphrase" and changes nothing', async () => {
    const s = await start();
    const page = await createVault(s);
    const before = (await s.storageLocal()).vault;
    await press(page, 'Lock');
    await typeInto(page, 'Passphrase', 'not the passphrase');
    await press(page, 'Unlock');
    expect(await alertText(page)).toMatch(/Wrong passphrase/);
    expect((await s.send({ type: 'vault.status' })).value.state).toBe('locked');
    expect((await s.storageLocal()).vault).toEqual(before);
  });

  it('the popup shows the same lock states', async () => {
    const s = await start();
    const popup = await s.openExtPage('popup.html');
    await typeInto(popup, 'Passphrase', PASSPHRASE);
    await typeInto(popup, 'Confirm passphrase', PASSPHRASE);
    await press(popup, 'Create vault');
    await press(popup, 'Lock');
    await typeInto(popup, 'Passphrase', PASSPHRASE);
    await press(popup, 'Unlock');
    await byName(popup, 'Lock', 'button');
    expect(await popup.evaluate(() => document.body.innerText)).toMatch(/No accounts yet/);
  });

  it('stays unlocked when the background restarts', async () => {
    const s = await start(KIND === 'firefox' ? { firefoxPrefs: FIREFOX_FAST_SUSPEND } : {});
    await createVault(s);
    await s.restartBackground(); // throws unless the background really started again
    expect((await s.send({ type: 'vault.status' })).value.state).toBe('unlocked');
  });

  it('comes back locked after a browser restart, with the vault intact', async () => {
    const first = await start();
    await createVault(first);
    const stored = (await first.storageLocal()).vault;
    const profileDir = first.profileDir;
    await first.browser.close();

    const second = await start({ profileDir });
    expect((await second.send({ type: 'vault.status' })).value.state).toBe('locked');
    expect((await second.storageLocal()).vault).toEqual(stored);
    const page = await second.openExtPage('options.html');
    await typeInto(page, 'Passphrase', PASSPHRASE);
    await press(page, 'Unlock');
    await byName(page, 'Lock', 'button');
  });

  it('keeps the passphrase and key out of storage.local and out of every console', async () => {
    const s = await start();
    const page = await createVault(s);
    await press(page, 'Lock');
    await typeInto(page, 'Passphrase', `${PASSPHRASE}!`); // a wrong one goes through the error path
    await press(page, 'Unlock');
    await alertText(page);
    const local = await s.storageLocal();
    expect(Object.keys(local)).toEqual(['vault']);
    const dump = JSON.stringify(local);
    expect(dump).not.toContain(PASSPHRASE);
    expect(dump).not.toContain(Buffer.from(PASSPHRASE).toString('base64').slice(0, 16));
    expect(dump).not.toContain('vaultKey');
    expect(s.logs.join('\n')).not.toContain(PASSPHRASE.slice(0, 12));
  });
});
