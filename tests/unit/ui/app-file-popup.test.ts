/**
 * The popup's reading of a picked file (components/popup/add/app-file.ts), before the preview:
 * another app's export goes to its reader, a text of otpauth:// links the pasted links' way, a
 * JSON file cut short is damaged (not a foreign file), and a huge file is refused before it is
 * read into memory.
 */
import { describe, expect, it, vi } from 'vitest';
// The components import `@/lib/...` (an alias of WXT's build, not of vitest) and the i18n helper
// (the browser's i18n API): point both at what plain Node can run.
vi.mock('@/lib/import/apps/app-file', () => import('../../../lib/import/apps/app-file'));
vi.mock('@/lib/import/google-migration', () => import('../../../lib/import/google-migration'));
vi.mock('@/lib/otp/otp', () => import('../../../lib/otp/otp'));
vi.mock('../../../utils/i18n', () => ({ t: (key: string) => key }));
import { readAccountsFile } from '../../../components/popup/add/app-file';
import { MAX_APP_FILE_BYTES } from '../../../lib/import/apps/app-file';

const LINK = 'otpauth://totp/ThingPark%20Enterprise:jane%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DP&issuer=ThingPark%20Enterprise';
const AEGIS = {
  version: 1,
  header: { slots: null, params: null },
  db: {
    version: 3,
    entries: [{ type: 'totp', uuid: 'u1', name: 'jane@example.com', issuer: 'ThingPark', note: '', favorite: false, icon: null, info: { secret: 'JBSWY3DPEHPK3PXPJBSWY3DP', algo: 'SHA1', digits: 6, period: 30 } }],
    groups: [],
  },
};

describe('readAccountsFile', () => {
  it("reads another app's export into the preview's input", async () => {
    const read = await readAccountsFile(new Blob([JSON.stringify(AEGIS)]), null);
    expect(read.ok && read.format).toBe('aegis');
    expect(read.ok && read.collected.candidates.map((c) => c.uri)).toEqual([expect.stringMatching(/^otpauth:\/\/totp\/ThingPark:jane%40example\.com\?/)]);
  });

  it('reads a text of otpauth:// links (the Authenticator extension’s other export) as pasted links', async () => {
    const read = await readAccountsFile(new Blob([`${LINK}\n\n${LINK.replace('jane', 'bob')}\n`]), null);
    expect(read.ok && read.format).toBe('links');
    expect(read.ok && read.collected.candidates).toHaveLength(2);
  });

  it('says a JSON file cut short is damaged, and any other text is not an export', async () => {
    const full = JSON.stringify(AEGIS);
    expect(await readAccountsFile(new Blob([full.slice(0, full.length / 2)]), null)).toEqual({ ok: false, code: 'damaged', format: null });
    expect(await readAccountsFile(new Blob(['\uFEFF[{"a":']), null)).toEqual({ ok: false, code: 'damaged', format: null });
    expect(await readAccountsFile(new Blob(['hello, this is a letter']), null)).toEqual({ ok: false, code: 'unknown-format', format: null });
  });

  it('refuses a file over the limit from its size, without reading it', async () => {
    const huge = { size: MAX_APP_FILE_BYTES + 1, text: () => Promise.reject(new Error('read')) } as unknown as Blob;
    expect(await readAccountsFile(huge, null)).toEqual({ ok: false, code: 'too-large', format: null });
  });
});
