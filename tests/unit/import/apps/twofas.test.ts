/**
 * lib/import/apps/twofas.ts: 2FAS backups written here from 2fas-android's structure, plain and
 * password-protected (node:crypto's PBKDF2-HMAC-SHA256 and AES-GCM, with and without the
 * `reference` check), read back to accounts whose codes are the RFC 4226 / RFC 6238 known
 * answers; Steam, MD5, nameless and keyless services skipped; wrong and missing passwords;
 * damaged ciphertexts, tags and references; newer schemas; broken structures.
 */
import { describe, expect, it } from 'vitest';
import { readAppFile, type AppFileError, type AppFileImport } from '../../../../lib/import/apps/app-file';
import { isTwoFas, readTwoFas, TWOFAS_REFERENCE, TWOFAS_SCHEMA_VERSION } from '../../../../lib/import/apps/twofas';
import { secretSpellings } from '../../property-helpers';
import { aegisPlain, B32, expectRfcCodes, parsedAccount as account, SEED, twofasEncrypted, twofasPlain, twofasService } from './app-file-writers';

const PASSWORD = 'Tr0ub4dor&3 backup';

const errors: AppFileError[] = [];

async function read(json: Record<string, unknown>, password: string | null = null): Promise<AppFileImport> {
  const r = await readTwoFas(json, password);
  if (!r.ok) throw new Error(`expected accounts, got ${r.error.code}: ${r.error.detail ?? ''}`);
  return r.value;
}

async function failure(json: Record<string, unknown>, password: string | null = null): Promise<AppFileError> {
  const r = await readTwoFas(json, password);
  if (r.ok) throw new Error('expected an error');
  errors.push(r.error);
  expect(r.error.format).toBe('2fas');
  return r.error;
}

const SERVICES = [
  twofasService({ name: 'ThingPark', issuer: 'ThingPark', account: 'alice@example.com', secret: B32.SHA1 }),
  twofasService({ name: 'Realm 256', issuer: 'SHA-256 realm', account: 'bob', secret: B32.SHA256, algorithm: 'SHA256', digits: 8 }),
  twofasService({ name: 'Slow', issuer: 'Slow realm', account: 'carol', secret: B32.SHA512, algorithm: 'SHA512', digits: 8, period: 60 }),
  twofasService({ name: 'Counter', issuer: 'Counter', account: 'dave', secret: B32.SHA1, tokenType: 'HOTP', counter: 5 }),
  // Added by hand with no account: 2FAS shows the service name, and so do we.
  twofasService({ name: 'GitLab', issuer: null, account: null, label: null, secret: B32.SHA1.toLowerCase() }),
  twofasService({ name: 'Steam', issuer: 'Steam', account: 'gamer', tokenType: 'STEAM', digits: 5 }),
  twofasService({ name: 'Legacy', issuer: 'Legacy', account: 'eve', algorithm: 'MD5' }),
  twofasService({ name: '', issuer: 'Nameless', account: '', label: null }),
  twofasService({ name: 'Typo', issuer: 'Typo', account: 'frank', secret: 'GEZDGNBV0Y3TQOJQ' }),
  twofasService({ name: 'Keyless', issuer: 'Keyless', account: 'heidi', secret: null }),
];

const EXPECTED_SKIPPED = [
  { name: 'gamer', issuer: 'Steam', reason: 'unknown-type' },
  { name: 'eve', issuer: 'Legacy', reason: 'md5' },
  { name: '', issuer: 'Nameless', reason: 'bad-name' },
  { name: 'frank', issuer: 'Typo', reason: 'bad-secret' },
  { name: 'heidi', issuer: 'Keyless', reason: 'bad-secret' },
];

function expectSampleAccounts(result: AppFileImport): void {
  expect(result.format).toBe('2fas');
  const accounts = result.uris.map(account);
  expect(accounts).toHaveLength(5);
  expectRfcCodes(accounts);
  expect(accounts.map((a) => [a.issuer, a.accountName])).toEqual([
    ['ThingPark', 'alice@example.com'], ['SHA-256 realm', 'bob'], ['Slow realm', 'carol'], ['Counter', 'dave'], ['GitLab', 'GitLab'],
  ]);
  expect(accounts[4]!.secret).toBe(B32.SHA1);
  expect(result.skipped).toEqual(EXPECTED_SKIPPED);
}

describe('isTwoFas', () => {
  it('recognises plain and encrypted backups, and nothing else', () => {
    expect(isTwoFas(twofasPlain([]))).toBe(true);
    expect(isTwoFas(twofasEncrypted([], PASSWORD))).toBe(true);
    expect(isTwoFas({ services: [], appVersionCode: 1 })).toBe(true);
    expect(isTwoFas({ services: [] })).toBe(false);
    expect(isTwoFas({ services: {}, schemaVersion: 4 })).toBe(false);
    expect(isTwoFas(aegisPlain([]))).toBe(false);
    expect(isTwoFas({ encrypted: false, items: [] })).toBe(false);
  });

  it('is not taken for Aegis by readAppFile, nor Aegis for 2FAS', async () => {
    expect(await readAppFile(JSON.stringify(twofasPlain([])), null)).toMatchObject({ ok: false, error: { code: 'empty', format: '2fas' } });
    expect(await readAppFile(JSON.stringify(aegisPlain([])), null)).toMatchObject({ ok: false, error: { code: 'empty', format: 'aegis' } });
  });
});

describe('readTwoFas: plain backups', () => {
  it('imports TOTP and HOTP services and skips the rest with reasons', async () => {
    expectSampleAccounts(await read(twofasPlain(SERVICES)));
  });

  it('reads through readAppFile', async () => {
    const r = await readAppFile(JSON.stringify(twofasPlain(SERVICES)), null);
    expect(r.ok).toBe(true);
    if (r.ok) expectSampleAccounts(r.value);
  });

  it('fills what older schemas leave out with 2FAS defaults (TOTP, SHA1, 6 digits, 30 s)', async () => {
    const r = await read(twofasPlain([{ name: 'Old', secret: B32.SHA1, otp: { account: 'x' } }, { name: 'Older', secret: B32.SHA1 }], { schemaVersion: 1 }));
    expect(r.uris.map(account)).toEqual([
      expect.objectContaining({ kind: 'totp', algorithm: 'SHA1', digits: 6, period: 30, issuer: 'Old', accountName: 'x' }),
      expect.objectContaining({ issuer: 'Older', accountName: 'Older' }),
    ]);
  });

  it('takes the account from the label when the account field is empty', async () => {
    const r = await read(twofasPlain([twofasService({ name: 'TP', issuer: 'ThingPark', account: '', label: 'ThingPark:zoe@example.com' })]));
    expect(account(r.uris[0]!)).toMatchObject({ issuer: 'ThingPark', accountName: 'zoe@example.com' });
  });

  it('skips services whose values have the wrong type or range', async () => {
    const r = await read(
      twofasPlain([
        twofasService({ digits: '6' }),
        twofasService({ digits: 4 }),
        twofasService({ period: -30 }),
        twofasService({ tokenType: 'HOTP', counter: -1 }),
        twofasService({ tokenType: 7 }),
        twofasService({ algorithm: 'SHA224' }),
        twofasService({ secret: 12345 }),
        twofasService({}),
      ]),
    );
    expect(r.skipped.map((s) => s.reason)).toEqual(['bad-digits', 'bad-digits', 'bad-period', 'bad-counter', 'unknown-type', 'unknown-algorithm', 'bad-secret']);
    expect(r.uris).toHaveLength(1);
  });

  it('is empty without services', async () => {
    expect((await failure(twofasPlain([]))).code).toBe('empty');
  });

  it('refuses a newer schema', async () => {
    expect((await failure(twofasPlain(SERVICES, { schemaVersion: TWOFAS_SCHEMA_VERSION + 1 }))).code).toBe('unsupported-version');
    expect((await read(twofasPlain(SERVICES, { schemaVersion: 3 }))).uris).toHaveLength(5);
  });

  it('is damaged, as a whole, when its structure is broken', async () => {
    const cases: Array<Record<string, unknown>> = [
      twofasPlain(SERVICES, { schemaVersion: 0 }),
      twofasPlain(SERVICES, { schemaVersion: 4.5 }),
      { ...twofasPlain(SERVICES), schemaVersion: '4' },
      twofasPlain([...SERVICES, 'service']),
      twofasPlain([...SERVICES, null]),
      twofasPlain([...SERVICES, { ...twofasService({}), otp: 'totp' }]),
      twofasPlain([...SERVICES, { ...twofasService({}), otp: [] }]),
      { ...twofasPlain(SERVICES), servicesEncrypted: 42 },
    ];
    for (const file of cases) expect((await failure(file)).code).toBe('damaged');
  });

  it('answers unknown-format when called with something else', async () => {
    expect(await readTwoFas({ items: [] }, null)).toEqual({ ok: false, error: { code: 'unknown-format' } });
  });
});

describe('readTwoFas: password-protected backups', () => {
  it('the reference text is the one 2fas-android encrypts', () => {
    expect(TWOFAS_REFERENCE).toHaveLength(256);
    expect(TWOFAS_REFERENCE.startsWith('tRViSsLKzd86Hprh4ceC2OP7')).toBe(true);
    expect(TWOFAS_REFERENCE.endsWith('TXU7KyoJujd')).toBe(true);
  });

  it('opens with the right password, directly and through readAppFile', async () => {
    const file = twofasEncrypted(SERVICES, PASSWORD);
    expect(file.services).toEqual([]);
    expectSampleAccounts(await read(file, PASSWORD));
    const r = await readAppFile(JSON.stringify(file), PASSWORD);
    expect(r.ok).toBe(true);
    if (r.ok) expectSampleAccounts(r.value);
  });

  it('opens a backup without a reference field', async () => {
    expectSampleAccounts(await read(twofasEncrypted(SERVICES, PASSWORD, { reference: false }), PASSWORD));
  });

  it('uses the password as UTF-8', async () => {
    const password = 'Zażółć gęślą jaźń 🔐';
    expectSampleAccounts(await read(twofasEncrypted(SERVICES, password), password));
  });

  it('asks for the password when none (or an empty one) is given', async () => {
    const file = twofasEncrypted(SERVICES, PASSWORD);
    expect((await failure(file, null)).code).toBe('password-needed');
    expect((await failure(file, '')).code).toBe('password-needed');
    expect(await readAppFile(JSON.stringify(file), null)).toMatchObject({ ok: false, error: { code: 'password-needed', format: '2fas' } });
  });

  it('says wrong-password, with or without a reference', async () => {
    expect((await failure(twofasEncrypted(SERVICES, PASSWORD), 'tr0ub4dor&3 backup')).code).toBe('wrong-password');
    expect((await failure(twofasEncrypted(SERVICES, PASSWORD, { reference: false }), 'wrong')).code).toBe('wrong-password');
  });

  it('is damaged when the reference opens but the services do not (ciphertext, tag or iv changed)', async () => {
    const file = twofasEncrypted(SERVICES, PASSWORD);
    const [data, salt, iv] = (file.servicesEncrypted as string).split(':') as [string, string, string];
    const bytes = Buffer.from(data, 'base64');
    const flip = (b: Buffer, at: number) => {
      const c = Buffer.from(b);
      c[at] = c[at]! ^ 0x80;
      return c.toString('base64');
    };
    const cases = [
      `${flip(bytes, 0)}:${salt}:${iv}`, // ciphertext
      `${flip(bytes, bytes.length - 1)}:${salt}:${iv}`, // tag
      `${data}:${salt}:${flip(Buffer.from(iv, 'base64'), 0)}`, // iv
      `${bytes.subarray(0, bytes.length - 1).toString('base64')}:${salt}:${iv}`, // truncated
    ];
    for (const servicesEncrypted of cases) expect((await failure({ ...file, servicesEncrypted }, PASSWORD)).code).toBe('damaged');
  });

  it('a damaged reference cannot be told from a wrong password; another reference text is damaged', async () => {
    const file = twofasEncrypted(SERVICES, PASSWORD);
    const [data, salt, iv] = (file.reference as string).split(':') as [string, string, string];
    const bytes = Buffer.from(data, 'base64');
    bytes[5] = bytes[5]! ^ 1;
    expect((await failure({ ...file, reference: `${bytes.toString('base64')}:${salt}:${iv}` }, PASSWORD)).code).toBe('wrong-password');
    expect((await failure(twofasEncrypted(SERVICES, PASSWORD, { reference: 'hello' }), PASSWORD)).code).toBe('damaged');
  });

  it('is damaged when the encrypted fields are malformed, before asking for a password', async () => {
    const file = twofasEncrypted(SERVICES, PASSWORD);
    const [data, salt, iv] = (file.servicesEncrypted as string).split(':') as [string, string, string];
    const cases: Array<Record<string, unknown>> = [
      { ...file, servicesEncrypted: '' },
      { ...file, servicesEncrypted: `${data}:${salt}` },
      { ...file, servicesEncrypted: `${data}:${salt}:${iv}:${iv}` },
      { ...file, servicesEncrypted: `${data}:${salt}:AAAA` }, // 3-byte iv
      { ...file, servicesEncrypted: `${data}::${iv}` }, // no salt
      { ...file, servicesEncrypted: `AAAA:${salt}:${iv}` }, // shorter than a tag
      { ...file, servicesEncrypted: `${data.replace(/=+$/, '')}:${salt}:${iv}` }, // padding dropped
      { ...file, servicesEncrypted: `${data}\n:${salt}:${iv}` },
      { ...file, reference: 'x' },
      { ...file, reference: 7 },
      { ...file, services: 'x' },
    ];
    for (const c of cases) {
      expect((await failure(c, null)).code).toBe('damaged');
      expect((await failure(c, PASSWORD)).code).toBe('damaged');
    }
  });

  it('is damaged when the decrypted services are not a JSON list', async () => {
    for (const plaintext of ['not json', '{"services":[]}', '"x"', '[1]', '[{"name":"a","otp":3}]']) {
      expect((await failure(twofasEncrypted([], PASSWORD, { plaintext }), PASSWORD)).code).toBe('damaged');
    }
    expect((await failure(twofasEncrypted([], PASSWORD), PASSWORD)).code).toBe('empty');
  });

  it('refuses a newer schema before decrypting', async () => {
    expect((await failure(twofasEncrypted(SERVICES, PASSWORD, { schemaVersion: 5 }), PASSWORD)).code).toBe('unsupported-version');
  });
});

describe('error details', () => {
  it('never contain a key or the password', () => {
    expect(errors.length).toBeGreaterThan(30);
    const forbidden = [PASSWORD, 'tr0ub4dor', 'Zażółć', ...Object.entries(SEED).flatMap(([alg, bytes]) => secretSpellings(B32[alg as keyof typeof B32], bytes))];
    for (const e of errors) {
      for (const f of forbidden) expect(e.detail ?? '').not.toContain(f);
    }
  });
});
