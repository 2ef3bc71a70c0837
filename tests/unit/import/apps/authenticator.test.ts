/**
 * lib/import/apps/authenticator.ts: backups of the Authenticator extension written here from its
 * storage format (entries keyed by hash, type and algorithm by name, defaults left out), hex keys
 * checked against the RFC 4226 / RFC 6238 known answers, encrypted backups (version 2 secrets,
 * version 3 sealed entries, key records), broken files, and what must not be taken for one.
 */
import { describe, expect, it } from 'vitest';
import { HOTP, Secret, TOTP } from 'otpauth';
import { isAuthenticator, readAuthenticator } from '../../../../lib/import/apps/authenticator';
import type { AppFileErrorCode, AppFileImport } from '../../../../lib/import/apps/app-file';
import { base32FromBytes, codeAt, codeForStep, parseOtpauthUri, type OtpAccount } from '../../../../lib/otp/otp';

const NOW = 1_700_000_012_345;
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const KEY = ascii('authenticator-key-01');
const B32 = base32FromBytes(KEY);
const secretOf = (bytes: Uint8Array) => new Secret({ buffer: bytes.slice().buffer });
/** RFC 4226 / RFC 6238 SHA-1 seed, ASCII "12345678901234567890", in hex. */
const RFC_HEX = '3132333435363738393031323334353637383930';

let n = 0;
/** An entry as `getOTPStorageFromEntry` writes it: defaults (SHA1, 6 digits, 30 s) left out. */
function entry(fields: Record<string, unknown>): [string, Record<string, unknown>] {
  const hash = `7f1c${String(n).padStart(4, '0')}-1b2c-4d3e-8f40-a1b2c3d4e5f6`;
  const value = { encrypted: false, hash, index: n, type: 'totp', secret: B32, dataType: 'OTPStorage', ...fields };
  n += 1;
  return [hash, value];
}
const backup = (...entries: Array<[string, Record<string, unknown>]>) => Object.fromEntries(entries);

async function read(json: Record<string, unknown>): Promise<AppFileImport> {
  const r = await readAuthenticator(json);
  if (!r.ok) throw new Error(`expected accounts, got ${r.error.code}: ${r.error.detail ?? ''}`);
  return r.value;
}

async function errorOf(json: Record<string, unknown>): Promise<AppFileErrorCode> {
  const r = await readAuthenticator(json);
  if (r.ok) throw new Error('expected an error');
  expect(r.error.format).toBe('authenticator');
  return r.error.code;
}

function parsed(uri: string): OtpAccount {
  const r = parseOtpauthUri(uri);
  if (!r.ok) throw new Error(`not a valid URI: ${r.error.code}`);
  return r.value;
}

describe('plain accounts', () => {
  it('a TOTP entry with the defaults left out', async () => {
    const json = backup(entry({ issuer: 'ThingPark', account: 'jane.doe@example.com' }));
    expect(isAuthenticator(json)).toBe(true);
    const { uris, skipped, format } = await read(json);
    expect(format).toBe('authenticator');
    expect(skipped).toEqual([]);
    const a = parsed(uris[0]!);
    expect(a).toEqual({ kind: 'totp', secret: B32, algorithm: 'SHA1', digits: 6, period: 30, counter: 0, issuer: 'ThingPark', accountName: 'jane.doe@example.com' });
    expect(codeAt(a, NOW)).toBe(new TOTP({ secret: secretOf(KEY) }).generate({ timestamp: NOW }));
  });

  it('8 digits, SHA256, a 60 s period', async () => {
    const { uris } = await read(backup(entry({ issuer: 'Keycloak', account: 'bob', digits: 8, algorithm: 'SHA256', period: 60, pinned: true })));
    const a = parsed(uris[0]!);
    expect(a).toMatchObject({ algorithm: 'SHA256', digits: 8, period: 60 });
    expect(codeAt(a, NOW)).toBe(new TOTP({ secret: secretOf(KEY), algorithm: 'SHA256', digits: 8, period: 60 }).generate({ timestamp: NOW }));
  });

  it('SHA512 by name in any case, and algorithms by enum number', async () => {
    const { uris } = await read(backup(entry({ account: 'a', algorithm: 'sha512' }), entry({ account: 'b', algorithm: 2 }), entry({ account: 'c', algorithm: 1 })));
    expect(uris.map((u) => parsed(u).algorithm)).toEqual(['SHA512', 'SHA256', 'SHA1']);
  });

  it('HOTP with its counter', async () => {
    const { uris } = await read(backup(entry({ type: 'hotp', issuer: 'VPN', account: 'carol', counter: 5 })));
    const a = parsed(uris[0]!);
    expect(a).toMatchObject({ kind: 'hotp', counter: 5 });
    expect(codeAt(a, NOW)).toBe(new HOTP({ secret: secretOf(KEY) }).generate({ counter: 5 }));
  });

  it('numbers written as text, and zero meaning the default, as the extension reads them', async () => {
    const { uris } = await read(backup(entry({ account: 'a', digits: '8', period: '60' }), entry({ account: 'b', digits: 0, period: 0 })));
    expect(parsed(uris[0]!)).toMatchObject({ digits: 8, period: 60 });
    expect(parsed(uris[1]!)).toMatchObject({ digits: 6, period: 30 });
  });

  it('a repeated issuer prefix in the account name is removed; an issuer-less "Issuer:name" is split', async () => {
    const { uris } = await read(backup(entry({ issuer: 'ThingPark', account: 'ThingPark:dave' }), entry({ account: 'Acme:erin' })));
    expect(parsed(uris[0]!)).toMatchObject({ issuer: 'ThingPark', accountName: 'dave' });
    expect(parsed(uris[1]!)).toMatchObject({ issuer: 'Acme', accountName: 'erin' });
  });

  it('in the extension order (index), whatever the order of the keys', async () => {
    const json = backup(entry({ account: 'third', index: 2 }), entry({ account: 'first', index: 0 }), entry({ account: 'last', index: undefined }), entry({ account: 'second', index: 1 }));
    expect((await read(json)).uris.map((u) => parsed(u).accountName)).toEqual(['first', 'second', 'third', 'last']);
  });
});

describe('hex keys', () => {
  it('hex: TOTP with the key in hexadecimal (RFC 6238 vectors), always 30 s', async () => {
    const { uris } = await read(backup(entry({ type: 'hex', secret: RFC_HEX, account: 'rfc', digits: 8, period: 60 })));
    const a = parsed(uris[0]!);
    expect(a).toMatchObject({ kind: 'totp', secret: base32FromBytes(ascii('12345678901234567890')), period: 30, digits: 8 });
    expect(codeAt(a, 59_000)).toBe('94287082');
    expect(codeAt(a, 1_111_111_109_000)).toBe('07081804');
  });

  it('hhex: HOTP with the key in hexadecimal (RFC 4226 vectors)', async () => {
    const { uris } = await read(backup(entry({ type: 'hhex', secret: RFC_HEX.toUpperCase(), account: 'rfc', counter: 3 })));
    const a = parsed(uris[0]!);
    expect(a).toMatchObject({ kind: 'hotp', counter: 3 });
    expect(codeAt(a, NOW)).toBe('969429');
    expect(codeForStep(a, 0)).toBe('755224');
  });

  it('a totp/hotp secret that is hex but not base32 is read as hex, as the extension imports it', async () => {
    const { uris } = await read(backup(entry({ secret: RFC_HEX, account: 'a' }), entry({ type: 'hotp', secret: RFC_HEX, account: 'b', counter: 1 })));
    expect(codeAt(parsed(uris[0]!), 59_000)).toBe('287082');
    expect(codeAt(parsed(uris[1]!), NOW)).toBe('287082');
  });

  it('an odd number of hex digits loses a final 0 or gains one, as in the extension', async () => {
    const { uris } = await read(
      backup(entry({ type: 'hex', secret: `${RFC_HEX}0`, account: 'drop' }), entry({ type: 'hex', secret: RFC_HEX.slice(0, -1), account: 'pad' })),
    );
    expect(parsed(uris[0]!).secret).toBe(base32FromBytes(ascii('12345678901234567890')));
    expect(parsed(uris[1]!).secret).toBe(base32FromBytes(Uint8Array.from([...ascii('1234567890123456789'), 0x30])));
  });

  it('a hex key that is not hex or under 80 bits is a bad secret', async () => {
    const { skipped } = await read(backup(entry({ account: 'ok' }), entry({ type: 'hex', secret: 'xyz', account: 'a' }), entry({ type: 'hhex', secret: 'abcd', account: 'b' })));
    expect(skipped.map((s) => s.reason)).toEqual(['bad-secret', 'bad-secret']);
  });
});

describe('entries we cannot use', () => {
  it('are skipped with their reasons, the rest imported', async () => {
    const { uris, skipped } = await read(
      backup(
        entry({ type: 'battle', secret: B32, issuer: 'Blizzard', account: 'b' }),
        entry({ type: 'steam', secret: B32, issuer: 'Steam', account: 's' }),
        entry({ secret: `stm-${B32}`, issuer: 'Steam', account: 'prefixed' }),
        entry({ secret: `blz-${B32}`, issuer: 'Blizzard', account: 'prefixed' }),
        entry({ type: 'motp', issuer: 'M', account: 'm' }),
        entry({ algorithm: 'GOST3411_2012_256', issuer: 'G', account: 'g' }),
        entry({ algorithm: 'MD5', issuer: 'H', account: 'h' }),
        entry({ secret: 'not base32!', issuer: 'K', account: 'k' }),
        entry({ digits: 5, issuer: 'D', account: 'd' }),
        entry({ period: 4000, issuer: 'P', account: 'p' }),
        entry({ type: 'hotp', counter: -1, issuer: 'C', account: 'c' }),
        entry({ issuer: 'N', account: '' }),
        entry({ issuer: 'Fine', account: 'ok' }),
      ),
    );
    expect(uris).toHaveLength(1);
    expect(skipped.map((s) => [s.issuer, s.reason])).toEqual([
      ['Blizzard', 'unknown-type'],
      ['Steam', 'unknown-type'],
      ['Steam', 'unknown-type'],
      ['Blizzard', 'unknown-type'],
      ['M', 'unknown-type'],
      ['G', 'unknown-algorithm'],
      ['H', 'md5'],
      ['K', 'bad-secret'],
      ['D', 'bad-digits'],
      ['P', 'bad-period'],
      ['C', 'bad-counter'],
      ['N', 'bad-name'],
    ]);
  });

  it('a name no URI can carry (a lone surrogate) is a skip, not an exception', async () => {
    const { skipped } = await read(backup(entry({ issuer: 'X\udc00', account: 'a' }), entry({ account: 'ok' })));
    expect(skipped).toEqual([{ name: 'a', issuer: 'X\udc00', reason: 'bad-name' }]);
  });
});

describe('encrypted backups', () => {
  const sealed = (index: number) => [`sealed-${index}`, { dataType: 'EncOTPStorage', keyId: 'key-1', data: 'U2FsdGVkX1+c2VhbGVk', index }] as [string, Record<string, unknown>];
  const keyRecord = { dataType: 'Key', id: 'key-1', salt: 'c2FsdA==', hash: '$argon2id$v=19$m=16,t=2,p=1$...', version: 3 };

  it('some entries encrypted: those are skipped as encrypted, the others imported', async () => {
    const json = {
      ...backup(entry({ issuer: 'Clear', account: 'a', index: 0 }), entry({ encrypted: true, secret: 'U2FsdGVkX1/v2ciphertext', issuer: 'Old', account: 'v2', index: 1 })),
      ...Object.fromEntries([sealed(2)]),
      'key-1': keyRecord,
    };
    expect(isAuthenticator(json)).toBe(true);
    const { uris, skipped } = await read(json);
    expect(uris).toHaveLength(1);
    expect(skipped).toEqual([
      { name: 'v2', issuer: 'Old', reason: 'encrypted' },
      { name: '', issuer: '', reason: 'encrypted' },
    ]);
  });

  it('every entry encrypted: the whole file is an encrypted export', async () => {
    const v3 = { ...Object.fromEntries([sealed(0), sealed(1)]), 'key-1': keyRecord };
    const v2 = { ...backup(entry({ encrypted: true, secret: 'U2FsdGVkX1/a', account: 'a' })), key: { enc: 'U2FsdGVkX1/key', hash: '$2a$10$abc' } };
    for (const json of [v3, v2]) {
      expect(isAuthenticator(json)).toBe(true);
      expect(await errorOf(json)).toBe('encrypted-export');
    }
  });

  it('settings and key material are not accounts', async () => {
    const json = { ...backup(entry({ account: 'a' })), UserSettings: { theme: 'dark' }, LocalStorage: { offset: 0 }, key: [keyRecord] };
    expect((await read(json)).uris).toHaveLength(1);
  });
});

describe('broken files', () => {
  it.each([
    ['a value that is not an account', { ...backup(entry({ account: 'a' })), other: { foo: 1 } }],
    ['digits as words', backup(entry({ digits: 'eight' }))],
    ['period a boolean', backup(entry({ period: true }))],
    ['counter an object', backup(entry({ type: 'hotp', counter: { n: 1 } }))],
    ['issuer a number', backup(entry({ issuer: 7 }))],
    ['account a list', backup(entry({ account: ['a'] }))],
    ['algorithm an object', backup(entry({ algorithm: { name: 'SHA1' } }))],
    ['type a number', backup(entry({ type: 1 }))],
    ['encrypted a string', backup(entry({ type: 'totp', encrypted: 'no' }))],
  ])('%s: damaged, never a partial import', async (_, json) => {
    expect(await errorOf(json as Record<string, unknown>)).toBe('damaged');
  });

  it('nothing but settings: empty', async () => {
    expect(await errorOf({ UserSettings: {} })).toBe('empty');
  });
});

describe('isAuthenticator', () => {
  it.each([
    ['an empty object', {}],
    ['an Aegis file', { version: 1, header: { slots: null, params: null }, db: { version: 3, entries: [] } }],
    ['an Aegis file with a secret-bearing record', { version: 1, header: { slots: null, params: null }, db: { secret: B32, type: 'totp' } }],
    ['a 2FAS file', { services: [{ secret: B32, otp: { tokenType: 'TOTP' } }], schemaVersion: 4 }],
    ['a Bitwarden export', { encrypted: false, folders: [], items: [{ type: 1, name: 'x', login: { totp: B32 } }] }],
    ['our backup', { version: 2, kdf: { name: 'PBKDF2' }, cipher: { name: 'AES-GCM', iv: 'y' }, ciphertext: 'z' }],
    ['objects without a secret', { a: { account: 'x', type: 'totp' }, b: { issuer: 'y' } }],
    ['a secret without type or encrypted flag', { a: { secret: B32 } }],
    ['a top-level string beside an entry', { ...backup(entry({})), note: 'hello' }],
  ])('is false for %s', (_, json) => {
    expect(isAuthenticator(json as Record<string, unknown>)).toBe(false);
  });
});
