/**
 * lib/import/apps/app-file.ts: the dispatcher. Text that is not JSON, too large, or JSON of no
 * format we read is refused before any reader runs; a byte-order mark is ignored; the Bitwarden
 * and Authenticator formats reach their readers (Aegis and 2FAS have their own suites).
 */
import { describe, expect, it } from 'vitest';
import { detectAppFormat, MAX_APP_FILE_BYTES, readAppFile, type AppFileErrorCode, type AppFileImport } from '../../../../lib/import/apps/app-file';
import { sealBackup } from '../../../../lib/vault/backup';
import { EMPTY_VAULT } from '../../../../lib/vault/accounts';
import { base32FromBytes, parseOtpauthUri } from '../../../../lib/otp/otp';

const B32 = base32FromBytes(new TextEncoder().encode('dispatcher-test-key!'));

const bitwarden = {
  encrypted: false,
  folders: [],
  items: [{ id: '1', type: 1, name: 'ThingPark', login: { username: 'alice', password: 'pw', totp: B32, uris: [] } }],
};
const authenticator = {
  '5e3c3c3e-1b2c-4d3e-8f40-a1b2c3d4e5f6': { encrypted: false, hash: '5e3c3c3e-1b2c-4d3e-8f40-a1b2c3d4e5f6', index: 0, type: 'totp', secret: B32, issuer: 'Keycloak', account: 'bob' },
};

async function read(text: string): Promise<AppFileImport> {
  const r = await readAppFile(text, null);
  if (!r.ok) throw new Error(`expected accounts, got ${r.error.code}: ${r.error.detail ?? ''}`);
  return r.value;
}

async function errorOf(text: string): Promise<{ code: AppFileErrorCode; format?: string }> {
  const r = await readAppFile(text, null);
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

describe('readAppFile before any format', () => {
  it.each([
    ['empty text', ''],
    ['a word', 'hello'],
    ['cut JSON', JSON.stringify(bitwarden).slice(0, -1)],
    ['a Google Authenticator export link', 'otpauth-migration://offline?data=CjMKCkhlbGxvId6tvu8SGFRlc3QxOnRlc3QxQGV4YW1wbGUxLmNvbRoFVGVzdDEgASgBMAI%3D'],
    ['otpauth text, one link a line', `otpauth://totp/A:b?secret=${B32}\notpauth://totp/C:d?secret=${B32}\n`],
    ['JSON with comments', '{ // Bitwarden\n "encrypted": false, "items": [] }'],
  ])('%s: not-json', async (_, text) => {
    expect(await errorOf(text)).toEqual({ code: 'not-json' });
  });

  it.each([
    ['a list', '[]'],
    ['a list of entries', JSON.stringify([authenticator])],
    ['a number', '42'],
    ['null', 'null'],
    ['a boolean', 'true'],
    ['a string', '"otpauth://totp/A:b?secret=x"'],
    ['an empty object', '{}'],
    ['an object of something else', '{"name":"package","version":"1.0.0","dependencies":{}}'],
  ])('%s: unknown-format', async (_, text) => {
    expect(await errorOf(text)).toEqual({ code: 'unknown-format' });
  });

  it("our own backup is not another app's file", async () => {
    const sealed = await sealBackup(EMPTY_VAULT, 'correct horse battery', { iterations: 1000, allowWeakKdfForTests: true });
    if (!sealed.ok) throw new Error('could not seal');
    expect(detectAppFormat(JSON.parse(sealed.value))).toBeNull();
    expect(await errorOf(sealed.value)).toEqual({ code: 'unknown-format' });
  });

  it('a byte-order mark before the JSON is ignored', async () => {
    expect((await read(`\uFEFF${JSON.stringify(bitwarden)}`)).format).toBe('bitwarden');
  });

  it('over MAX_APP_FILE_BYTES is too-large, counted in UTF-8 bytes', async () => {
    expect(await errorOf(' '.repeat(MAX_APP_FILE_BYTES + 1))).toEqual({ code: 'too-large' });
    // Half as many characters, but two bytes each in UTF-8.
    const wide = `"${'é'.repeat(MAX_APP_FILE_BYTES / 2)}"`;
    expect(wide.length).toBeLessThan(MAX_APP_FILE_BYTES);
    expect(await errorOf(wide)).toEqual({ code: 'too-large' });
  });

  it('exactly MAX_APP_FILE_BYTES is still read', async () => {
    const json = JSON.stringify(bitwarden);
    const padded = json + ' '.repeat(MAX_APP_FILE_BYTES - json.length);
    expect(padded.length).toBe(MAX_APP_FILE_BYTES);
    expect((await read(padded)).uris).toHaveLength(1);
  });
});

describe('the Bitwarden and Authenticator formats through the dispatcher', () => {
  it('detectAppFormat names them', () => {
    expect(detectAppFormat(bitwarden)).toBe('bitwarden');
    expect(detectAppFormat({ encrypted: true, passwordProtected: true, data: 'x' })).toBe('bitwarden');
    expect(detectAppFormat(authenticator)).toBe('authenticator');
    expect(detectAppFormat([bitwarden])).toBeNull();
    expect(detectAppFormat('{}')).toBeNull();
  });

  it('a Bitwarden export is read, the password ignored', async () => {
    const { format, uris, skipped } = await read(JSON.stringify(bitwarden, null, 2));
    expect(format).toBe('bitwarden');
    expect(skipped).toEqual([]);
    expect(parseOtpauthUri(uris[0]!)).toMatchObject({ ok: true, value: { issuer: 'ThingPark', accountName: 'alice', secret: B32 } });
    expect(await readAppFile(JSON.stringify(bitwarden), 'a password')).toEqual(await readAppFile(JSON.stringify(bitwarden), null));
  });

  it("Bitwarden's errors carry the format", async () => {
    expect(await errorOf(JSON.stringify({ encrypted: true, encKeyValidation_DO_NOT_EDIT: '2.x|y|z', items: [] }))).toMatchObject({
      code: 'encrypted-export',
      format: 'bitwarden',
    });
    expect(await errorOf(JSON.stringify({ encrypted: false, items: {} }))).toMatchObject({ code: 'damaged', format: 'bitwarden' });
    expect(await errorOf(JSON.stringify({ encrypted: false, folders: [], items: [] }))).toMatchObject({ code: 'empty', format: 'bitwarden' });
  });

  it('an Authenticator backup is read (CRLF line ends, as it writes them for Notepad)', async () => {
    const { format, uris } = await read(JSON.stringify(authenticator, null, 2).replace(/\n/g, '\r\n'));
    expect(format).toBe('authenticator');
    expect(parseOtpauthUri(uris[0]!)).toMatchObject({ ok: true, value: { issuer: 'Keycloak', accountName: 'bob', secret: B32 } });
  });

  it("the Authenticator's errors carry the format", async () => {
    const sealed = { a: { dataType: 'EncOTPStorage', keyId: 'k', data: 'U2FsdGVkX1+x', index: 0 }, k: { dataType: 'Key', id: 'k', salt: 's' } };
    expect(await errorOf(JSON.stringify(sealed))).toMatchObject({ code: 'encrypted-export', format: 'authenticator' });
    const broken = { ...authenticator, b: { secret: B32, type: 'totp', digits: 'six' } };
    expect(await errorOf(JSON.stringify(broken))).toMatchObject({ code: 'damaged', format: 'authenticator' });
  });
});
