/**
 * lib/import/apps/aegis.ts (and aegis-crypto.ts): Aegis vault exports written here from the
 * documented structure, plain and encrypted (node:crypto's scrypt and AES-GCM, once with Aegis's
 * real N = 2^15), read back to accounts whose codes are the RFC 4226 / RFC 6238 known answers;
 * Steam, Yandex, mOTP, MD5, nameless and keyless entries skipped; wrong, missing and second-slot
 * passwords; damaged ciphertexts and tags; newer versions; hostile scrypt parameters.
 */
import { describe, expect, it } from 'vitest';
import { AEGIS_DB_VERSION, AEGIS_FILE_VERSION, isAegis, readAegis } from '../../../../lib/import/apps/aegis';
import { MAX_SCRYPT_WORK } from '../../../../lib/import/apps/aegis-crypto';
import { readAppFile, type AppFileError, type AppFileImport } from '../../../../lib/import/apps/app-file';
import { codeAt } from '../../../../lib/otp/otp';
import { secretSpellings } from '../../property-helpers';
import {
  AEGIS_SCRYPT, aegisEncrypted, aegisEntry, aegisPlain, B32, expectRfcCodes, FAST_SCRYPT, parsedAccount as account, SEED, twofasPlain, twofasService,
} from './app-file-writers';

const PASSWORD = 'correct horse battery staple';

/** Every error seen in this file, to check at the end that none leaks a key or the password. */
const errors: AppFileError[] = [];

async function read(json: Record<string, unknown>, password: string | null = null): Promise<AppFileImport> {
  const r = await readAegis(json, password);
  if (!r.ok) throw new Error(`expected accounts, got ${r.error.code}: ${r.error.detail ?? ''}`);
  return r.value;
}

async function failure(json: Record<string, unknown>, password: string | null = null): Promise<AppFileError> {
  const r = await readAegis(json, password);
  if (r.ok) throw new Error('expected an error');
  errors.push(r.error);
  expect(r.error.format).toBe('aegis');
  return r.error;
}

/** The sample vault: every kind of entry the docs describe, and the ones we cannot use. */
const ENTRIES = [
  aegisEntry('totp', 'alice@example.com', 'ThingPark', { secret: B32.SHA1 }),
  aegisEntry('totp', 'bob', 'SHA-256 realm', { secret: B32.SHA256, algo: 'SHA256', digits: 8 }),
  aegisEntry('totp', 'carol', 'Slow realm', { secret: B32.SHA512, algo: 'SHA512', digits: 8, period: 60 }),
  aegisEntry('hotp', 'dave', 'Counter', { secret: B32.SHA1, counter: 5 }),
  aegisEntry('steam', 'gamer', 'Steam', { digits: 5 }),
  aegisEntry('yandex', 'ivan', 'Yandex', { algo: 'SHA256', pin: '1234' }),
  aegisEntry('motp', 'old', 'mOTP', { algo: 'MD5', pin: '1234' }),
  aegisEntry('totp', 'eve', 'Legacy', { algo: 'MD5' }),
  aegisEntry('totp', '', 'Nameless', {}),
  aegisEntry('totp', 'frank', 'Typo', { secret: 'GEZDGNBV0Y3TQOJQ' }),
  aegisEntry('totp', 'grace', 'Short', { secret: 'GEZDGNBV' }),
  aegisEntry('totp', 'heidi', 'Keyless', { secret: undefined }),
];

const EXPECTED_SKIPPED = [
  { name: 'gamer', issuer: 'Steam', reason: 'unknown-type' },
  { name: 'ivan', issuer: 'Yandex', reason: 'unknown-type' },
  { name: 'old', issuer: 'mOTP', reason: 'unknown-type' },
  { name: 'eve', issuer: 'Legacy', reason: 'md5' },
  { name: '', issuer: 'Nameless', reason: 'bad-name' },
  { name: 'frank', issuer: 'Typo', reason: 'bad-secret' },
  { name: 'grace', issuer: 'Short', reason: 'bad-secret' },
  { name: 'heidi', issuer: 'Keyless', reason: 'bad-secret' },
];

function expectSampleAccounts(result: AppFileImport): void {
  expect(result.format).toBe('aegis');
  const accounts = result.uris.map(account);
  expect(accounts).toHaveLength(4);
  expectRfcCodes(accounts);
  expect(accounts.map((a) => [a.issuer, a.accountName])).toEqual([
    ['ThingPark', 'alice@example.com'], ['SHA-256 realm', 'bob'], ['Slow realm', 'carol'], ['Counter', 'dave'],
  ]);
  expect(result.skipped).toEqual(EXPECTED_SKIPPED);
}

describe('isAegis', () => {
  it('recognises plain and encrypted exports, and nothing else', () => {
    expect(isAegis(aegisPlain([]))).toBe(true);
    expect(isAegis(aegisEncrypted([], [{ password: 'x', ...FAST_SCRYPT }]))).toBe(true);
    expect(isAegis(twofasPlain([twofasService({})]))).toBe(false);
    expect(isAegis({ encrypted: false, items: [] })).toBe(false);
    expect(isAegis({ version: 1, header: {}, db: {} })).toBe(false); // no slots/params
    expect(isAegis({ version: '1', header: { slots: null, params: null }, db: {} })).toBe(false);
    expect(isAegis({})).toBe(false);
  });
});

describe('readAegis: plain exports', () => {
  it('imports TOTP and HOTP entries and skips the rest with reasons', async () => {
    expectSampleAccounts(await read(aegisPlain(ENTRIES)));
  });

  it('reads through readAppFile, with or without a byte-order mark', async () => {
    const text = JSON.stringify(aegisPlain(ENTRIES), null, 4);
    for (const t of [text, `\uFEFF${text}`]) {
      const r = await readAppFile(t, null);
      expect(r.ok).toBe(true);
      if (r.ok) expectSampleAccounts(r.value);
    }
  });

  it('ignores a password given for a plain export', async () => {
    expectSampleAccounts(await read(aegisPlain(ENTRIES), PASSWORD));
  });

  it('reads algorithms as Aegis does: any case, with or without the Hmac prefix', async () => {
    const r = await read(aegisPlain([aegisEntry('totp', 'x', 'I', { algo: 'hmacsha256', secret: B32.SHA256, digits: 8 })]));
    expect(codeAt(account(r.uris[0]!), 59_000)).toBe('46119246');
    const unknown = await read(aegisPlain([aegisEntry('totp', 'x', 'I', { algo: 'SHA3' })]));
    expect(unknown.skipped).toEqual([{ name: 'x', issuer: 'I', reason: 'unknown-algorithm' }]);
  });

  it('skips entries whose numbers are out of range or missing, keeping the others', async () => {
    const r = await read(
      aegisPlain([
        aegisEntry('totp', 'a', 'I', { digits: 5 }),
        aegisEntry('totp', 'b', 'I', { digits: '6' }),
        aegisEntry('totp', 'c', 'I', { period: 0 }),
        aegisEntry('totp', 'd', 'I', { period: undefined }),
        aegisEntry('hotp', 'e', 'I', { counter: 2 ** 60 }),
        aegisEntry('hotp', 'f', 'I', { counter: undefined }),
        aegisEntry('totp', 'ok', 'I', {}),
      ]),
    );
    expect(r.skipped.map((s) => s.reason)).toEqual(['bad-digits', 'bad-digits', 'bad-period', 'bad-period', 'bad-counter', 'bad-counter']);
    expect(r.uris).toHaveLength(1);
  });

  it('takes the issuer from an Issuer:name name when the issuer field is empty', async () => {
    const r = await read(aegisPlain([aegisEntry('totp', 'ThingPark:alice', '', {})]));
    expect(account(r.uris[0]!)).toMatchObject({ issuer: 'ThingPark', accountName: 'alice' });
  });

  it('is empty without entries, and an export of only skipped entries is not an error', async () => {
    expect((await failure(aegisPlain([]))).code).toBe('empty');
    const r = await read(aegisPlain([aegisEntry('steam', 's', 'Steam', {})]));
    expect(r.uris).toEqual([]);
    expect(r.skipped).toHaveLength(1);
  });

  it('refuses versions newer than it knows', async () => {
    expect((await failure(aegisPlain(ENTRIES, { version: AEGIS_FILE_VERSION + 1 }))).code).toBe('unsupported-version');
    expect((await failure(aegisPlain(ENTRIES, { dbVersion: AEGIS_DB_VERSION + 1 }))).code).toBe('unsupported-version');
    // Older content versions have the same entries.
    expect((await read(aegisPlain(ENTRIES, { dbVersion: 1 }))).uris).toHaveLength(4);
  });

  it('is damaged, as a whole, when its structure is broken', async () => {
    const good = aegisPlain(ENTRIES);
    const cases: Array<Record<string, unknown>> = [
      ...[0, 1.5].map((version) => ({ ...good, version })),
      ...['not an object', { version: 3 }, { version: '3', entries: [] }, { version: 3, entries: {} }].map((db) => ({ ...good, db })),
      ...['not an entry', null, { ...aegisEntry('totp', 'x', 'I', {}), info: null }].map((e) => aegisPlain([...ENTRIES, e])),
      aegisPlain([{ type: 'totp', name: 'x', issuer: 'I' }]),
    ];
    for (const file of cases) expect((await failure(file)).code).toBe('damaged');
  });

  it('answers unknown-format when called with something else', async () => {
    const r = await readAegis({ services: [] }, null);
    expect(r).toEqual({ ok: false, error: { code: 'unknown-format' } });
  });
});

describe('readAegis: encrypted exports', { timeout: 30_000 }, () => {
  it("opens a vault written with Aegis's real scrypt parameters (N = 2^15, r = 8, p = 1)", async () => {
    const file = aegisEncrypted(ENTRIES, [{ password: PASSWORD, ...AEGIS_SCRYPT }]);
    expectSampleAccounts(await read(file, PASSWORD));
    const viaApp = await readAppFile(JSON.stringify(file, null, 4), PASSWORD);
    expect(viaApp.ok).toBe(true);
    if (viaApp.ok) expectSampleAccounts(viaApp.value);
  });

  it('asks for the password when none (or an empty one) is given', async () => {
    const file = aegisEncrypted(ENTRIES, [{ password: PASSWORD, ...FAST_SCRYPT }]);
    expect((await failure(file, null)).code).toBe('password-needed');
    expect((await failure(file, '')).code).toBe('password-needed');
    const viaApp = await readAppFile(JSON.stringify(file), null);
    expect(viaApp).toMatchObject({ ok: false, error: { code: 'password-needed', format: 'aegis' } });
  });

  it('says wrong-password when no slot opens', async () => {
    const file = aegisEncrypted(ENTRIES, [{ password: PASSWORD, ...FAST_SCRYPT }]);
    expect((await failure(file, 'Correct horse battery staple')).code).toBe('wrong-password');
    expect((await failure(file, `${PASSWORD} `)).code).toBe('wrong-password');
  });

  it('tries every password slot, skipping raw and biometric ones', async () => {
    const file = aegisEncrypted(ENTRIES, [{ type: 2 }, { password: 'the main password', ...FAST_SCRYPT }, { type: 0 }, { password: PASSWORD, ...FAST_SCRYPT }]);
    expectSampleAccounts(await read(file, PASSWORD));
    expectSampleAccounts(await read(file, 'the main password'));
    expect((await failure(file, 'neither')).code).toBe('wrong-password');
  });

  it('uses the password as UTF-8', async () => {
    const password = 'Pässwörd 🔑 密码';
    expectSampleAccounts(await read(aegisEncrypted(ENTRIES, [{ password, ...FAST_SCRYPT }]), password));
  });

  it('cannot open a vault with only biometric or raw-key slots', async () => {
    const file = aegisEncrypted(ENTRIES, [{ type: 2 }, { type: 0 }]);
    expect((await failure(file, PASSWORD)).code).toBe('encrypted-export');
    expect((await failure(file, null)).code).toBe('encrypted-export');
  });

  it('is damaged when the slot opens but the vault does not decrypt (ciphertext, tag or nonce changed)', async () => {
    const file = aegisEncrypted(ENTRIES, [{ password: PASSWORD, ...FAST_SCRYPT }]);
    const header = file.header as { params: { nonce: string; tag: string } };
    const db = Buffer.from(file.db as string, 'base64');
    db[3] = db[3]! ^ 1;
    const flipHex = (h: string) => (h[0] === '0' ? '1' : '0') + h.slice(1);
    const cases = [
      { ...file, db: db.toString('base64') },
      { ...file, db: Buffer.from(file.db as string, 'base64').subarray(0, 10).toString('base64') },
      { ...file, header: { ...header, params: { ...header.params, tag: flipHex(header.params.tag) } } },
      { ...file, header: { ...header, params: { ...header.params, nonce: flipHex(header.params.nonce) } } },
    ];
    for (const c of cases) expect((await failure(c, PASSWORD)).code).toBe('damaged');
  });

  it('a damaged slot cannot be told from a wrong password', async () => {
    const file = aegisEncrypted(ENTRIES, [{ password: PASSWORD, ...FAST_SCRYPT }]);
    const header = file.header as { slots: Array<Record<string, unknown>> };
    const slot = header.slots[0]!;
    const key = slot.key as string;
    const damagedSlot = { ...slot, key: (key[0] === 'a' ? 'b' : 'a') + key.slice(1) };
    expect((await failure({ ...file, header: { ...header, slots: [damagedSlot] } }, PASSWORD)).code).toBe('wrong-password');
  });

  it('is damaged when the decrypted content is not the expected JSON', async () => {
    const slots = [{ password: PASSWORD, ...FAST_SCRYPT }];
    for (const plaintext of ['not json', '[]', '{"version":3}', '{"version":3,"entries":"x"}', '\u0000']) {
      expect((await failure(aegisEncrypted([], slots, { plaintext }), PASSWORD)).code).toBe('damaged');
    }
    expect((await failure(aegisEncrypted([], slots), PASSWORD)).code).toBe('empty');
  });

  it('refuses newer versions of the file and of the encrypted content', async () => {
    const slots = [{ password: PASSWORD, ...FAST_SCRYPT }];
    expect((await failure(aegisEncrypted(ENTRIES, slots, { version: 2 }), PASSWORD)).code).toBe('unsupported-version');
    expect((await failure(aegisEncrypted(ENTRIES, slots, { dbVersion: 4 }), PASSWORD)).code).toBe('unsupported-version');
  });

  it('is damaged when the header is broken, before asking for a password', async () => {
    const file = aegisEncrypted(ENTRIES, [{ password: PASSWORD, ...FAST_SCRYPT }]);
    const header = file.header as { slots: Array<Record<string, unknown>>; params: Record<string, unknown> };
    const slot = header.slots[0]!;
    const withSlot = (s: unknown) => ({ ...file, header: { ...header, slots: [s] } });
    const cases: Array<Record<string, unknown>> = [
      ...[null, {}, Array.from({ length: 17 }, () => ({ type: 2 }))].map((slots) => ({ ...file, header: { ...header, slots } })),
      ...[null, { nonce: 'abc', tag: header.params.tag }, { nonce: header.params.nonce, tag: '00' }].map((params) => ({ ...file, header: { ...header, params } })),
      ...['not base64!', (file.db as string).replace(/=*$/, '') + 'A', { version: 3, entries: [] }].map((db) => ({ ...file, db })),
      ...['slot', { ...slot, type: '1' }, { ...slot, key: 'zz' }, { ...slot, key: (slot.key as string).slice(2) }].map(withSlot),
      ...[{ ...slot, key_params: null }, { ...slot, salt: 'xyz' }, { ...slot, salt: undefined }].map(withSlot),
    ];
    for (const c of cases) {
      expect((await failure(c, null)).code).toBe('damaged');
      expect((await failure(c, PASSWORD)).code).toBe('damaged');
    }
  });

  it('refuses scrypt parameters no Aegis file has, quickly and without deriving', async () => {
    const file = aegisEncrypted(ENTRIES, [{ password: PASSWORD, ...FAST_SCRYPT }]);
    const header = file.header as { slots: Array<Record<string, unknown>> };
    const slot = header.slots[0]!;
    const hostile: Array<Record<string, unknown>> = [
      // N: too large (2 GiB with r = 8, or beyond), Infinity once parsed, not a power of two, not a number.
      ...[2 ** 21, 2 ** 30, 2 ** 53, 1e309, 1000, 1, 0, -16, 16.5, '16'].map((n) => ({ n })),
      ...[0, 2 ** 20, 1.5].map((r) => ({ r })),
      ...[0, 17, 2 ** 31].map((p) => ({ p })),
      { n: 2 ** 17, r: 8 }, // 128 MiB of blocks plus p: over the memory bound
      { n: 2 ** 16, r: 8, p: 3 }, // within memory, over the work bound
    ];
    const started = Date.now();
    for (const params of hostile) {
      const text = JSON.stringify({ ...file, header: { ...header, slots: [{ ...slot, ...params }] } }).replace('"n":null', '"n":1e309');
      const r = await readAppFile(text, PASSWORD);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        errors.push(r.error);
        expect(r.error).toMatchObject({ code: 'damaged', format: 'aegis' });
        expect(r.error.detail).toMatch(/scrypt/);
      }
    }
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('bounds the scrypt work over all slots: five slots of Aegis parameters are not a real file', async () => {
    const aegisWork = AEGIS_SCRYPT.n * AEGIS_SCRYPT.r * AEGIS_SCRYPT.p;
    expect(MAX_SCRYPT_WORK).toBe(4 * aegisWork);
    const slot = { type: 1, key: '00'.repeat(32), key_params: { nonce: '00'.repeat(12), tag: '00'.repeat(16) }, ...AEGIS_SCRYPT, salt: '00'.repeat(32) };
    const file = aegisEncrypted(ENTRIES, [{ password: PASSWORD, ...FAST_SCRYPT }]);
    const header = file.header as Record<string, unknown>;
    const five = { ...file, header: { ...header, slots: [slot, slot, slot, slot, slot] } };
    expect(await failure(five, PASSWORD)).toMatchObject({ code: 'damaged', detail: expect.stringMatching(/scrypt/) });
    // Two real slots (a password and a backup password) are within the bound.
    const two = aegisEncrypted(ENTRIES, [{ password: 'other', ...AEGIS_SCRYPT }, { password: PASSWORD, ...AEGIS_SCRYPT }]);
    expectSampleAccounts(await read(two, PASSWORD));
  });
});

describe('error details', () => {
  it('never contain a key, the master key or the password', () => {
    expect(errors.length).toBeGreaterThan(40);
    const keys = Object.entries(SEED).flatMap(([alg, bytes]) => secretSpellings(B32[alg as keyof typeof B32], bytes));
    const forbidden = [PASSWORD, 'Correct horse', 'Pässwörd', ...keys];
    for (const e of errors) {
      for (const f of forbidden) expect(e.detail ?? '').not.toContain(f);
      expect((e.detail ?? '').length).toBeLessThan(200);
    }
  });
});
