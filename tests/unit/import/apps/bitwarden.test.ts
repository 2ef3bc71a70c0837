/**
 * lib/import/apps/bitwarden.ts: Bitwarden JSON exports written here from the documented structure
 * (personal with folders, organization with collections, the two encrypted kinds), the three
 * spellings of `login.totp`, items without a key, and broken files, which fail as a whole.
 * Codes are checked against the otpauth package from the original key bytes.
 */
import { describe, expect, it } from 'vitest';
import { HOTP, Secret, TOTP } from 'otpauth';
import { isBitwarden, readBitwarden } from '../../../../lib/import/apps/bitwarden';
import type { AppFileErrorCode, AppFileImport } from '../../../../lib/import/apps/app-file';
import { base32FromBytes, codeAt, parseOtpauthUri, type OtpAccount } from '../../../../lib/otp/otp';

const NOW = 1_700_000_012_345;
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const KEY_A = ascii('thingpark-key-number-1'); // 22 bytes
const KEY_B = ascii('0123456789abcdef0123');
const B32_A = base32FromBytes(KEY_A);
const B32_B = base32FromBytes(KEY_B);
const secretOf = (bytes: Uint8Array) => new Secret({ buffer: bytes.slice().buffer });

let id = 0;
/** A login item as Bitwarden writes it (CipherWithIdExport with a LoginExport). */
function login(name: string, totp: string | null, username: string | null = 'alice@example.com', extra: Record<string, unknown> = {}) {
  id += 1;
  return {
    passwordHistory: null,
    revisionDate: '2024-05-01T10:00:00.000Z',
    creationDate: '2024-05-01T10:00:00.000Z',
    deletedDate: null,
    id: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
    organizationId: null,
    folderId: null,
    type: 1,
    reprompt: 0,
    name,
    notes: null,
    favorite: false,
    login: {
      fido2Credentials: [],
      uris: [{ match: null, uri: 'https://tpe.example.com/' }],
      username,
      password: 'correct horse battery staple',
      totp,
    },
    collectionIds: null,
    ...extra,
  };
}

const note = { id: 'n1', organizationId: null, folderId: null, type: 2, name: 'Recovery codes', notes: 'abcd-efgh', favorite: false, secureNote: { type: 0 }, collectionIds: null };
const card = { id: 'c1', type: 3, name: 'Visa', card: { cardholderName: 'A', brand: 'Visa', number: '4111111111111111', expMonth: '1', expYear: '2030', code: '123' } };
const identity = { id: 'i1', type: 4, name: 'Me', identity: { title: 'Ms', firstName: 'Alice' } };

const personal = (items: unknown[]) => ({ encrypted: false, folders: [{ id: 'f1', name: 'Work' }], items });

async function read(json: Record<string, unknown>): Promise<AppFileImport> {
  const r = await readBitwarden(json);
  if (!r.ok) throw new Error(`expected accounts, got ${r.error.code}: ${r.error.detail ?? ''}`);
  return r.value;
}

async function errorOf(json: Record<string, unknown>): Promise<AppFileErrorCode> {
  const r = await readBitwarden(json);
  if (r.ok) throw new Error('expected an error');
  expect(r.error.format).toBe('bitwarden');
  return r.error.code;
}

function parsed(uri: string): OtpAccount {
  const r = parseOtpauthUri(uri);
  if (!r.ok) throw new Error(`not a valid URI: ${r.error.code}`);
  return r.value;
}

describe('unencrypted personal export', () => {
  it('reads an otpauth URI with its own label, issuer and parameters', async () => {
    const uri = `otpauth://totp/ThingPark%20Enterprise:jane.doe%40example.com?secret=${B32_A}&issuer=ThingPark%20Enterprise&algorithm=SHA256&digits=8&period=60`;
    const { uris, skipped } = await read(personal([login('Some other name', uri, 'someone-else')]));
    expect(skipped).toEqual([]);
    const a = parsed(uris[0]!);
    expect(a).toMatchObject({ kind: 'totp', issuer: 'ThingPark Enterprise', accountName: 'jane.doe@example.com', algorithm: 'SHA256', digits: 8, period: 60 });
    expect(codeAt(a, NOW)).toBe(new TOTP({ secret: secretOf(KEY_A), algorithm: 'SHA256', digits: 8, period: 60 }).generate({ timestamp: NOW }));
  });

  it('reads a bare key as pasted (lower case, spaces) as a default TOTP named after the item and user', async () => {
    const pasted = ` ${B32_B.toLowerCase().replace(/(.{4})/g, '$1 ')} `;
    const { uris } = await read(personal([login('Keycloak dev realm', pasted, ' bob ')]));
    const a = parsed(uris[0]!);
    expect(a).toEqual({ kind: 'totp', secret: B32_B, algorithm: 'SHA1', digits: 6, period: 30, counter: 0, issuer: 'Keycloak dev realm', accountName: 'bob' });
    expect(codeAt(a, NOW)).toBe(new TOTP({ secret: secretOf(KEY_B) }).generate({ timestamp: NOW }));
  });

  it('a bare key without a username takes the item name as the account name too', async () => {
    for (const username of [null, '', '   ']) {
      const { uris } = await read(personal([login('VPN', B32_A, username)]));
      expect(parsed(uris[0]!)).toMatchObject({ issuer: 'VPN', accountName: 'VPN' });
    }
  });

  it('a URI without an issuer gets the item name; one with a label issuer keeps it', async () => {
    const { uris } = await read(
      personal([login('Acme', `otpauth://totp/carol?secret=${B32_A}`), login('Acme', `otpauth://totp/Other:dave?secret=${B32_A}`)]),
    );
    expect(parsed(uris[0]!)).toMatchObject({ issuer: 'Acme', accountName: 'carol' });
    expect(parsed(uris[1]!)).toMatchObject({ issuer: 'Other', accountName: 'dave' });
  });

  it('an hotp URI stays HOTP with its counter', async () => {
    const { uris } = await read(personal([login('Bank', `OTPAUTH://HOTP/Bank:eve?secret=${B32_B}&counter=41`)]));
    const a = parsed(uris[0]!);
    expect(a).toMatchObject({ kind: 'hotp', counter: 41 });
    expect(codeAt(a, NOW)).toBe(new HOTP({ secret: secretOf(KEY_B) }).generate({ counter: 41 }));
  });

  it('skips steam://, bad keys and URIs we cannot use, with their reasons, and keeps the order', async () => {
    const { uris, skipped } = await read(
      personal([
        login('Steam', `steam://${B32_A}`, 'gamer'),
        login('First', B32_A, 'one'),
        login('Typo', 'not a key 0189', 'x'),
        login('Short', 'JBSWY3DP', 'x'),
        login('Old', `otpauth://totp/Old:y?secret=${B32_A}&algorithm=MD5`),
        login('Five', `otpauth://totp/Five:z?secret=${B32_A}&digits=5`),
        login('Yandex', `otpauth://yaotp/Y:w?secret=${B32_A}`),
        login('Second', B32_B, 'two'),
      ]),
    );
    expect(uris.map((u) => parsed(u).accountName)).toEqual(['one', 'two']);
    expect(skipped).toEqual([
      { name: 'gamer', issuer: 'Steam', reason: 'unknown-type' },
      { name: 'x', issuer: 'Typo', reason: 'bad-secret' },
      { name: 'x', issuer: 'Short', reason: 'bad-secret' },
      { name: 'alice@example.com', issuer: 'Old', reason: 'md5' },
      { name: 'alice@example.com', issuer: 'Five', reason: 'bad-digits' },
      { name: 'alice@example.com', issuer: 'Yandex', reason: 'unknown-type' },
    ]);
  });

  it('items without a key, notes, cards and identities are not entries at all', async () => {
    const { uris, skipped } = await read(
      personal([note, login('No 2FA', null), login('Empty', ''), login('Blank', '  '), card, identity, { type: 1, name: 'No login' }, login('Yes', B32_A)]),
    );
    expect(uris).toHaveLength(1);
    expect(skipped).toEqual([]);
  });

  it('a login field on another item type is ignored, as Bitwarden ignores it', async () => {
    expect(await errorOf(personal([{ ...note, login: { totp: B32_A } }]))).toBe('empty');
  });

  it('a name that no URI can carry (a lone surrogate) is a skip, not an exception', async () => {
    const { skipped } = await read(personal([login('Bad \ud800 name', B32_A, null), login('Ok', B32_A)]));
    expect(skipped).toEqual([{ name: 'Bad \ud800 name', issuer: 'Bad \ud800 name', reason: 'bad-name' }]);
  });
});

describe('organization export', () => {
  it('reads the items beside collections', async () => {
    const json = {
      encrypted: false,
      collections: [{ id: 'col-1', organizationId: 'org-1', name: 'Ops', externalId: null }],
      items: [login('Shared TPE', B32_A, 'ops', { organizationId: 'org-1', collectionIds: ['col-1'] }), note],
    };
    expect(isBitwarden(json)).toBe(true);
    const { uris, format } = await read(json);
    expect(format).toBe('bitwarden');
    expect(parsed(uris[0]!)).toMatchObject({ issuer: 'Shared TPE', accountName: 'ops' });
  });

  it('a converter that left out `encrypted` is still read', async () => {
    const json = { folders: [], items: [login('X', B32_A)] };
    expect(isBitwarden(json)).toBe(true);
    expect((await read(json)).uris).toHaveLength(1);
  });
});

describe('encrypted exports', () => {
  const enc = (n: number) => `2.${'A'.repeat(22)}${n}==|${'B'.repeat(40)}|${'C'.repeat(43)}=`;

  it('account restricted (EncStrings under the account key)', async () => {
    const json = {
      encrypted: true,
      encKeyValidation_DO_NOT_EDIT: enc(0),
      folders: [{ id: 'f1', name: enc(1) }],
      items: [{ ...login(enc(2), enc(3), enc(4)) }],
    };
    expect(isBitwarden(json)).toBe(true);
    expect(await errorOf(json)).toBe('encrypted-export');
  });

  it('password protected, PBKDF2 and Argon2id', async () => {
    const pbkdf2 = { encrypted: true, passwordProtected: true, salt: 'c2FsdHNhbHRzYWx0c2FsdA==', kdfType: 0, kdfIterations: 600000, encKeyValidation_DO_NOT_EDIT: enc(0), data: enc(1) };
    const argon = { ...pbkdf2, kdfType: 1, kdfIterations: 3, kdfMemory: 64, kdfParallelism: 4 };
    for (const json of [pbkdf2, argon]) {
      expect(isBitwarden(json)).toBe(true);
      expect(await errorOf(json)).toBe('encrypted-export');
    }
  });

  it('`encrypted: false` beside encryption fields is not trusted', async () => {
    expect(await errorOf({ encrypted: false, encKeyValidation_DO_NOT_EDIT: enc(0), items: [login('X', B32_A)] })).toBe('encrypted-export');
  });
});

describe('broken and empty files', () => {
  it.each([
    ['items missing', { encrypted: false, folders: [] }],
    ['items an object', { encrypted: false, items: { 0: login('X', B32_A) } }],
    ['items a string', { encrypted: false, items: 'none' }],
    ['an item that is not an object', { encrypted: false, items: [login('X', B32_A), 7] }],
    ['a null item', { encrypted: false, items: [null] }],
    ['login a string', { encrypted: false, items: [{ type: 1, name: 'X', login: 'secret' }] }],
    ['totp a number', { encrypted: false, items: [{ type: 1, name: 'X', login: { totp: 123456 } }] }],
    ['name an object', { encrypted: false, items: [{ ...login('X', B32_A), name: { x: 1 } }] }],
    ['username a number', { encrypted: false, items: [login('X', B32_A, 42 as unknown as string)] }],
    ['folders an object', { encrypted: false, folders: {}, items: [login('X', B32_A)] }],
  ])('%s: damaged, never a partial import', async (_, json) => {
    expect(await errorOf(json as Record<string, unknown>)).toBe('damaged');
  });

  it('no item with a key: empty', async () => {
    expect(await errorOf(personal([]))).toBe('empty');
    expect(await errorOf(personal([note, card, login('No 2FA', null)]))).toBe('empty');
  });
});

describe('isBitwarden', () => {
  it.each([
    ['an Aegis file', { version: 1, header: { slots: null, params: null }, db: { version: 3, entries: [] } }],
    ['a 2FAS file', { services: [], groups: [], schemaVersion: 4, appVersionCode: 5000000 }],
    ['our backup', { version: 2, kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations: 600000, salt: 'x' }, cipher: { name: 'AES-GCM', iv: 'y' }, ciphertext: 'z' }],
    ['an Authenticator backup', { 'a-b': { encrypted: false, hash: 'a-b', index: 0, type: 'totp', secret: B32_A } }],
    ['`encrypted` that is not a boolean', { encrypted: 'false', items: [] }],
    ['a lone `encrypted`', { encrypted: false }],
    ['items alone', { items: [] }],
  ])('is false for %s', (_, json) => {
    expect(isBitwarden(json as Record<string, unknown>)).toBe(false);
  });
});
