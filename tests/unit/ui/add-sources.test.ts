/**
 * The popup's "Add account" helpers: pasted text split into `otpauth://` links and Google
 * Authenticator exports (batches combined, missing ones reported, MD5 entries skipped), the
 * "Enter a key" form checked field by field, and the preview built from a dry-run reply.
 *
 * The components import `@/lib/...`, an alias WXT's build resolves but vitest.config.ts does not
 * declare: the two modules are pointed at the real files. `components/i18n` needs the browser's
 * `i18n.getMessage`: it is replaced by a stub that writes the key and its substitutions, so the
 * summary can be asserted exactly.
 */
import { describe, expect, it, vi } from 'vitest';

vi.mock('@/lib/import/google-migration', () => import('../../../lib/import/google-migration'));
vi.mock('@/lib/otp/otp', () => import('../../../lib/otp/otp'));
vi.mock('../../../utils/i18n', () => ({
  t: (key: string, subs?: string | string[]) => (subs === undefined ? key : `${key}(${[subs].flat().join('|')})`),
  errorText: (error: { code: string }) => `error:${error.code}`,
}));

import { buildKeyUri, DEFAULT_KEY_FIELDS, type KeyErrors, type KeyFields } from '../../../components/popup/add/key-entry';
import { buildPreview, problemText } from '../../../components/popup/add/preview';
import { collectFromText, isEmpty, MAX_URI_LENGTH, type Collected, type LineError } from '../../../components/popup/add/sources';
import { combineBatches, parseMigrationUri, type MigrationBatch } from '../../../lib/import/google-migration';
import { accountToUri, base32FromBytes, parseOtpauthUri, type Base32Secret, type OtpAccount } from '../../../lib/otp/otp';
import type { AddOutcome, NewAccount } from '../../../lib/protocol/messages';
import { encodeExport, encodeMigrationUri, rng, type MigrationEntry } from '../../fixtures/migration/encode';

const SECRET = 'IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE';
const OTHER = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const KEYCLOAK_URI =
  'otpauth://totp/ThingPark%20Enterprise:jane.doe%40example.com?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE&digits=6&algorithm=SHA1&issuer=ThingPark%20Enterprise&period=30';
const link = (name: string, secret = SECRET) => `otpauth://totp/ACME:${name}?secret=${secret}&issuer=ACME`;

function parsedAccount(uri: string): OtpAccount {
  const r = parseOtpauthUri(uri);
  if (!r.ok) throw new Error(`expected an account, got ${r.error.code}`);
  return r.value;
}

function batch(uri: string): MigrationBatch {
  const r = parseMigrationUri(uri);
  if (!r.ok) throw new Error(`expected a batch, got ${r.error.code}`);
  return r.value;
}

function secretBytes(seed: number, length = 20): Uint8Array {
  const random = rng(seed);
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

/** `count` TOTP entries named acc{start}..., each with its own secret. */
function entries(count: number, start = 0, over: Partial<MigrationEntry> = {}): MigrationEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    secret: secretBytes(1000 + start + i),
    name: `acc${start + i}@example.com`,
    issuer: 'Google',
    algorithm: 1,
    digits: 1,
    type: 2,
    ...over,
  }));
}

/** The account the background will see for an export entry built by {@link entries}. */
const accountOf = (e: MigrationEntry): OtpAccount => ({
  kind: 'totp',
  secret: base32FromBytes(e.secret),
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
  counter: 0,
  issuer: e.issuer ?? '',
  accountName: e.name ?? '',
});

// ---------------------------------------------------------------------------------------------
// Pasted links
// ---------------------------------------------------------------------------------------------

describe('collectFromText: otpauth:// links', () => {
  it('takes one link per line, trimmed, with the line numbers of the original text', () => {
    const text = ['', '   ' + link('alice') + '   ', '', '\t' + link('bob', OTHER), '  ', link('carol') + '  ', ''].join('\n');
    const c = collectFromText(text);
    expect(c.problems).toEqual([]);
    expect(c.skipped).toEqual([]);
    expect(c.missing).toEqual([]);
    expect(c.candidates).toEqual([
      { uri: link('alice'), line: 2 },
      { uri: link('bob', OTHER), line: 4 },
      { uri: link('carol'), line: 6 },
    ]);
    expect(isEmpty(c)).toBe(false);
  });

  it.each([
    ['\\n', '\n'],
    ['\\r\\n', '\r\n'],
    ['\\r', '\r'],
  ])('splits lines on %s', (_label, eol) => {
    const c = collectFromText([link('a'), '', link('b')].join(eol));
    expect(c.candidates.map((x) => x.line)).toEqual([1, 3]);
  });

  it('gives no line number when the text is a single line', () => {
    expect(collectFromText(`\n  ${link('alice')}  \n\n`).candidates).toEqual([{ uri: link('alice'), line: null }]);
    expect(collectFromText('  nonsense ').problems).toEqual([{ line: null, error: { kind: 'not-link' } }]);
  });

  it.each<[string, string, LineError]>([
    ['plain text', 'hello world', { kind: 'not-link' }],
    ['a web address', 'https://example.com/?secret=' + SECRET, { kind: 'not-link' }],
    ['otpauth without //', `otpauth:totp/ACME:a?secret=${SECRET}`, { kind: 'otp', code: 'not-otpauth' }],
    ['an unknown type', `otpauth://motp/ACME:a?secret=${SECRET}`, { kind: 'otp', code: 'unknown-type' }],
    ['no secret', 'otpauth://totp/ACME:a?issuer=ACME', { kind: 'otp', code: 'missing-secret' }],
    ['a non-base32 secret', 'otpauth://totp/ACME:a?secret=IFYTG22QHF3EY3J1KJ2DOV3DGFBG4NLE', { kind: 'otp', code: 'invalid-base32' }],
    ['a short secret', 'otpauth://totp/ACME:a?secret=IFYTG22Q', { kind: 'otp', code: 'secret-too-short' }],
    ['digits=5', `otpauth://totp/ACME:a?secret=${SECRET}&digits=5`, { kind: 'otp', code: 'bad-digits' }],
    ['period=0', `otpauth://totp/ACME:a?secret=${SECRET}&period=0`, { kind: 'otp', code: 'bad-period' }],
    ['HOTP without counter', `otpauth://hotp/ACME:a?secret=${SECRET}`, { kind: 'otp', code: 'bad-counter' }],
    ['an unknown algorithm', `otpauth://totp/ACME:a?secret=${SECRET}&algorithm=MD5`, { kind: 'otp', code: 'unknown-algorithm' }],
    ['no account name', `otpauth://totp/ACME:?secret=${SECRET}`, { kind: 'otp', code: 'bad-label' }],
    ['issuers that disagree', `otpauth://totp/ACME:a?secret=${SECRET}&issuer=EVIL`, { kind: 'otp', code: 'issuer-mismatch' }],
    ['a link over the protocol limit', `otpauth://totp/ACME:${'a'.repeat(MAX_URI_LENGTH)}?secret=${SECRET}`, { kind: 'too-long' }],
    ['an export without data', 'otpauth-migration://offline', { kind: 'migration', code: 'bad-base64' }],
    ['an export with broken base64', 'otpauth-migration://offline?data=A', { kind: 'migration', code: 'bad-base64' }],
    ['an export with another host', 'otpauth-migration://online?data=AAAA', { kind: 'migration', code: 'not-migration' }],
    ['a truncated export', 'otpauth-migration://offline?data=CjMKCkhl', { kind: 'migration', code: 'bad-protobuf' }],
    ['an empty export', 'otpauth-migration://offline?data=EAE%3D', { kind: 'migration', code: 'empty' }],
  ])('reports %s with its line number and reason', (_label, bad, error) => {
    const c = collectFromText(['', link('alice'), '  ' + bad + '  ', '', link('bob')].join('\n'));
    expect(c.problems).toEqual([{ line: 3, error }]);
    expect(c.candidates).toEqual([
      { uri: link('alice'), line: 2 },
      { uri: link('bob'), line: 5 },
    ]);
    // Problems are codes only: nothing of a secret can leak through them.
    expect(JSON.stringify(c.problems)).not.toContain(SECRET.slice(0, 8));
  });

  it('reports every bad line, and nothing is usable when all are bad', () => {
    const c = collectFromText(['x', '', 'otpauth://totp/a?secret=AB', 'otpauth-migration://offline?data=%%%'].join('\n'));
    expect(c.problems).toEqual([
      { line: 1, error: { kind: 'not-link' } },
      { line: 3, error: { kind: 'otp', code: 'secret-too-short' } },
      { line: 4, error: { kind: 'migration', code: 'bad-base64' } },
    ]);
    expect(isEmpty(c)).toBe(true);
  });

  it('accepts a link exactly at the protocol limit', () => {
    const prefix = `otpauth://totp/ACME:`;
    const suffix = `?secret=${SECRET}`;
    const uri = prefix + 'a'.repeat(MAX_URI_LENGTH - prefix.length - suffix.length) + suffix;
    expect(uri).toHaveLength(MAX_URI_LENGTH);
    expect(collectFromText(uri).candidates).toEqual([{ uri, line: null }]);
  });

  it.each([
    ['as Keycloak writes it', KEYCLOAK_URI],
    ['in upper-case scheme', KEYCLOAK_URI.replace('otpauth://totp', 'OTPAUTH://TOTP')],
    ['with the HmacSHA1 algorithm of older Keycloak', KEYCLOAK_URI.replace('algorithm=SHA1', 'algorithm=HmacSHA1')],
  ])("accepts Keycloak's real URI %s", (_label, uri) => {
    const c = collectFromText(`  ${uri}\n`);
    expect(c.problems).toEqual([]);
    expect(c.candidates).toEqual([{ uri, line: null }]);
    expect(parsedAccount(c.candidates[0]!.uri)).toEqual({
      kind: 'totp',
      secret: SECRET,
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      counter: 0,
      issuer: 'ThingPark Enterprise',
      accountName: 'jane.doe@example.com',
    });
  });

  it('treats empty or blank text as nothing at all', () => {
    for (const text of ['', '   ', '\n\n \r\n\t']) {
      const c = collectFromText(text);
      expect(c).toEqual({ candidates: [], problems: [], skipped: [], missing: [] });
      expect(isEmpty(c)).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Google Authenticator exports
// ---------------------------------------------------------------------------------------------

describe('collectFromText: Google Authenticator exports', () => {
  const all = entries(25);
  const qr = encodeExport(all, { perBatch: 10, batchId: 777 }); // 3 QR codes: 10, 10, 5
  const exportUris = (accounts: readonly MigrationEntry[]) => accounts.map((e) => accountToUri(accountOf(e)));

  it('has the three batches the tests rely on', () => {
    expect(qr).toHaveLength(3);
    expect(qr.map((u) => [batch(u).batchIndex, batch(u).batchSize, batch(u).batchId])).toEqual([
      [0, 3, 777],
      [1, 3, 777],
      [2, 3, 777],
    ]);
  });

  it.each([
    ['in order', [0, 1, 2]],
    ['out of order', [2, 0, 1]],
    ['reversed', [2, 1, 0]],
    ['with one scanned twice', [1, 2, 1, 0, 2]],
  ])('combines batches pasted %s into the export in its own order', (_label, order) => {
    const text = ['', ...order.map((i) => `  ${qr[i]!}  `), ''].join('\n\n');
    const c = collectFromText(text);
    expect(c.problems).toEqual([]);
    expect(c.missing).toEqual([]);
    expect(c.skipped).toEqual([]);
    expect(c.candidates).toEqual(exportUris(all).map((uri) => ({ uri, line: null })));
    for (const [i, candidate] of c.candidates.entries()) expect(parsedAccount(candidate.uri)).toEqual(accountOf(all[i]!));
  });

  it.each([
    ['the middle one', [2, 0], [2], [...all.slice(0, 10), ...all.slice(20)]],
    ['the first one', [1, 2], [1], all.slice(10)],
    ['two of three', [2], [1, 2], all.slice(20)],
  ])('reports %s missing (1-based) and keeps the accounts it has', (_label, given, missingNumbers, expected) => {
    const c = collectFromText(given.map((i) => qr[i]!).join('\n'));
    expect(c.missing).toEqual([{ total: 3, numbers: missingNumbers }]);
    expect(c.candidates.map((x) => x.uri)).toEqual(exportUris(expected));
    expect(c.problems).toEqual([]);
  });

  it('does not mix a batch of another export into this one', () => {
    const foreignEntries = entries(3, 100);
    const foreign = encodeExport(foreignEntries, { perBatch: 2, batchId: 999 }); // 2 QR codes
    const foreignFirst = foreign[0]!;

    // combineBatches alone keeps the export of the first batch and ignores the foreign one.
    const combined = combineBatches([qr[1]!, foreignFirst, qr[0]!, qr[2]!].map(batch));
    expect(combined.ignored).toBe(1);
    expect(combined.missing).toEqual([]);
    expect(combined.accounts.map(accountToUri)).toEqual(exportUris(all));

    // Pasted together, each export is combined on its own: the foreign batch neither adds to
    // nor fills a gap in the first export, and its own missing QR code is reported.
    const c = collectFromText([qr[1]!, foreignFirst, qr[0]!, link('alice'), qr[2]!].join('\n'));
    expect(c.problems).toEqual([]);
    expect(c.candidates).toEqual([
      { uri: link('alice'), line: 4 },
      ...exportUris(all).map((uri) => ({ uri, line: null })),
      ...exportUris(foreignEntries.slice(0, 2)).map((uri) => ({ uri, line: null })),
    ]);
    expect(c.missing).toEqual([{ total: 2, numbers: [2] }]);
  });

  it('does not let a batch with the same id but another size complete the export', () => {
    const sameIdOtherSize = encodeMigrationUri(entries(1, 200), { batchSize: 2, batchIndex: 1, batchId: 777 });
    const c = collectFromText([qr[0]!, sameIdOtherSize, qr[2]!].join('\n'));
    expect(c.missing).toEqual([
      { total: 3, numbers: [2] },
      { total: 2, numbers: [1] },
    ]);
  });

  it('reports MD5 and other unusable entries as skipped, never as accounts', () => {
    const mixed: MigrationEntry[] = [
      ...entries(1, 0),
      { secret: secretBytes(1), name: 'md5-user', issuer: 'OldBank', algorithm: 4, digits: 1, type: 2 },
      ...entries(1, 1),
      { secret: secretBytes(2), name: 'Legacy:md5-too', algorithm: 4, type: 1, counter: 3 },
      { secret: secretBytes(3), name: 'nobody', issuer: 'X', algorithm: 1, type: 0 },
      { secret: secretBytes(4, 5), name: 'short', issuer: 'X', algorithm: 1, type: 2 },
    ];
    const [first, second] = encodeExport(mixed, { perBatch: 3, batchId: 5 });
    const c = collectFromText(`${second!}\n${first!}`);
    expect(c.skipped).toEqual([
      { name: 'md5-user', issuer: 'OldBank', reason: 'md5' },
      { name: 'md5-too', issuer: 'Legacy', reason: 'md5' },
      { name: 'nobody', issuer: 'X', reason: 'unknown-type' },
      { name: 'short', issuer: 'X', reason: 'bad-secret' },
    ]);
    expect(c.candidates.map((x) => x.uri)).toEqual(exportUris([mixed[0]!, mixed[2]!]));
    expect(c.missing).toEqual([]);
    expect(isEmpty(c)).toBe(false);
  });

  it('counts an export of MD5 entries only as something to preview', () => {
    const c = collectFromText(encodeMigrationUri([{ secret: secretBytes(9), name: 'only-md5', issuer: 'I', algorithm: 4, type: 2 }]));
    expect(c.candidates).toEqual([]);
    expect(c.skipped).toEqual([{ name: 'only-md5', issuer: 'I', reason: 'md5' }]);
    expect(isEmpty(c)).toBe(false);
  });

  it('keeps batches without an id apart (nothing to match them by)', () => {
    const a = encodeMigrationUri(entries(1, 300), { batchSize: 2, batchIndex: 0 });
    const b = encodeMigrationUri(entries(1, 301), { batchSize: 2, batchIndex: 1 });
    const c = collectFromText(`${a}\n${b}`);
    expect(c.candidates).toHaveLength(2);
    expect(c.missing).toEqual([
      { total: 2, numbers: [2] },
      { total: 2, numbers: [1] },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// The "Enter a key" form
// ---------------------------------------------------------------------------------------------

const form = (over: Partial<KeyFields> = {}): KeyFields => ({
  ...DEFAULT_KEY_FIELDS,
  secret: SECRET,
  issuer: 'ThingPark Enterprise',
  accountName: 'jane.doe@example.com',
  ...over,
});

function errorsOf(fields: KeyFields): KeyErrors {
  const r = buildKeyUri(fields);
  if (r.ok) throw new Error(`expected errors, got ${r.uri}`);
  return r.errors;
}

describe('buildKeyUri', () => {
  it.each([
    ['upper case, no spaces', SECRET],
    ['lower case grouped in fours (Keycloak manual mode)', 'ifyt g22q hf3e y3js kj2d ov3d gfbg 4nle'],
    ['mixed case with hyphens and surrounding spaces', '  IfYt-G22q-HF3E-y3js-KJ2D-ov3d-GFBG-4nle  '],
  ])('accepts a key written %s', (_label, secret) => {
    const r = buildKeyUri(form({ secret }));
    expect(r).toEqual({ ok: true, uri: KEYCLOAK_URI.replace(/\?.*$/, '') + `?secret=${SECRET}&issuer=ThingPark%20Enterprise&algorithm=SHA1&digits=6&period=30` });
  });

  it.each<[string, Partial<KeyFields>, KeyErrors]>([
    ['an empty secret', { secret: '' }, { secret: 'missing-secret' }],
    ['a blank secret', { secret: '   ' }, { secret: 'missing-secret' }],
    ['a secret with a digit 1', { secret: 'IFYTG22QHF3EY3J1KJ2DOV3DGFBG4NLE' }, { secret: 'invalid-base32' }],
    ['a secret with punctuation', { secret: 'IFYTG22QHF3EY3J!KJ2DOV3DGFBG4NLE' }, { secret: 'invalid-base32' }],
    ['a secret of impossible length', { secret: SECRET.slice(0, 17) }, { secret: 'invalid-base32' }],
    ['a secret too short', { secret: 'ifyt g22q' }, { secret: 'secret-too-short' }],
    ['a secret one group short of 80 bits', { secret: SECRET.slice(0, 8) }, { secret: 'secret-too-short' }],
    ['an empty account name', { accountName: '' }, { accountName: 'missing-account-name' }],
    ['a blank account name', { accountName: '  \t ' }, { accountName: 'missing-account-name' }],
    ['5 digits', { digits: '5' }, { digits: 'bad-digits' }],
    ['11 digits', { digits: '11' }, { digits: 'bad-digits' }],
    ['empty digits', { digits: '' }, { digits: 'bad-digits' }],
    ['fractional digits', { digits: '6.0' }, { digits: 'bad-digits' }],
    ['signed digits', { digits: '+6' }, { digits: 'bad-digits' }],
    ['period 0', { period: '0' }, { period: 'bad-period' }],
    ['period 3601', { period: '3601' }, { period: 'bad-period' }],
    ['period in exponent form', { period: '3e1' }, { period: 'bad-period' }],
    ['a negative period', { period: '-30' }, { period: 'bad-period' }],
    ['HOTP with counter -1', { kind: 'hotp', counter: '-1' }, { counter: 'bad-counter' }],
    ['HOTP with an empty counter', { kind: 'hotp', counter: '' }, { counter: 'bad-counter' }],
    ['HOTP with a counter over 2^53-1', { kind: 'hotp', counter: '9007199254740992' }, { counter: 'bad-counter' }],
  ])('refuses %s on the right field only', (_label, over, expected) => {
    const fields = form(over);
    const r = buildKeyUri(fields);
    expect(r.ok).toBe(false);
    expect(errorsOf(fields)).toEqual(expected);
    // Errors are codes: neither the typed key nor the canonical one appears in them.
    const shown = JSON.stringify(r);
    for (const s of [SECRET, fields.secret.trim(), SECRET.slice(0, 8), SECRET.toLowerCase().slice(0, 8)]) {
      if (s !== '') expect(shown).not.toContain(s);
    }
  });

  it('reports every wrong field at once', () => {
    expect(errorsOf(form({ secret: 'abc', accountName: ' ', digits: '5', period: '3601' }))).toEqual({
      secret: 'invalid-base32',
      accountName: 'missing-account-name',
      digits: 'bad-digits',
      period: 'bad-period',
    });
    expect(errorsOf(form({ secret: '', accountName: '', digits: '11', kind: 'hotp', counter: '-1' }))).toEqual({
      secret: 'missing-secret',
      accountName: 'missing-account-name',
      digits: 'bad-digits',
      counter: 'bad-counter',
    });
  });

  it('ignores the field the chosen kind does not use', () => {
    expect(buildKeyUri(form({ kind: 'hotp', period: '0', counter: '5' })).ok).toBe(true);
    expect(buildKeyUri(form({ kind: 'totp', counter: '-1' })).ok).toBe(true);
  });

  it.each<[string, Partial<KeyFields>, Partial<OtpAccount>]>([
    ['the defaults', {}, {}],
    ['SHA256, 8 digits, 60 s', { algorithm: 'SHA256', digits: '8', period: '60' }, { algorithm: 'SHA256', digits: 8, period: 60 }],
    ['SHA512, 10 digits, 3600 s', { algorithm: 'SHA512', digits: ' 10 ', period: '3600' }, { algorithm: 'SHA512', digits: 10, period: 3600 }],
    ['the smallest period', { period: '1' }, { period: 1 }],
    ['HOTP from counter 0', { kind: 'hotp', counter: '0' }, { kind: 'hotp', counter: 0 }],
    ['HOTP at the largest counter', { kind: 'hotp', counter: '9007199254740991' }, { kind: 'hotp', counter: Number.MAX_SAFE_INTEGER }],
    ['no issuer', { issuer: '   ' }, { issuer: '' }],
    ['spaces around the names', { issuer: '  ACME  ', accountName: '  bob  ' }, { issuer: 'ACME', accountName: 'bob' }],
    ['a colon in the account name', { accountName: 'a:b' }, { accountName: 'a:b' }],
    ['a colon in the account name without issuer', { issuer: '', accountName: 'a:b' }, { issuer: '', accountName: 'a:b' }],
    ['a colon in the issuer', { issuer: 'Org:Unit' }, { issuer: 'Org:Unit' }],
    ['URI characters in the names', { issuer: 'A&B +C?', accountName: 'x#y%z/w=v' }, { issuer: 'A&B +C?', accountName: 'x#y%z/w=v' }],
    ['non-ASCII names', { issuer: 'Société Générale', accountName: 'élodie@exemple.fr 🔑' }, { issuer: 'Société Générale', accountName: 'élodie@exemple.fr 🔑' }],
  ])('writes a URI the parser reads back with the same parameters: %s', (_label, over, expected) => {
    const r = buildKeyUri(form({ secret: 'ifyt g22q hf3e y3js kj2d ov3d gfbg 4nle', ...over }));
    if (!r.ok) throw new Error(`expected a URI, got ${JSON.stringify(r.errors)}`);
    expect(parsedAccount(r.uri)).toEqual({
      kind: 'totp',
      secret: SECRET as Base32Secret,
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
      counter: 0,
      issuer: 'ThingPark Enterprise',
      accountName: 'jane.doe@example.com',
      ...expected,
    });
    // And it is what a pasted link would be: collectFromText takes it as is.
    expect(collectFromText(r.uri).candidates).toEqual([{ uri: r.uri, line: null }]);
  });

  it.each<[string, Partial<KeyFields>, KeyErrors]>([
    ['the account name', { accountName: 'bob\uD800' }, { accountName: 'bad-label' }],
    ['the issuer', { issuer: '\uDC00ACME' }, { issuer: 'bad-label' }],
  ])('reports an unencodable character in %s on that field instead of throwing', (_label, over, expected) => {
    expect(errorsOf(form(over))).toEqual(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Preview
// ---------------------------------------------------------------------------------------------

const ORIGIN = 'https://community.thingpark.io';
const sentFor = (c: Collected): NewAccount[] => c.candidates.map((x) => ({ uri: x.uri, origin: ORIGIN, realm: null, deviceName: '' }));
const newOne = (id: string, accountName: string): AddOutcome => ({ status: 'new', id, issuer: 'ACME', accountName });
const dup = (id: string, accountName: string): AddOutcome => ({ status: 'duplicate', id, issuer: 'ACME', accountName });
const invalid: AddOutcome = { status: 'invalid', error: { code: 'bad-request' } };

describe('buildPreview', () => {
  it.each<[string, string, (c: Collected) => AddOutcome[], string, number]>([
    ['everything new', [link('a'), link('b', OTHER)].join('\n'), () => [newOne('1', 'a'), newOne('2', 'b')], 'addSummaryNew(2)', 2],
    ['everything already saved', [link('a'), link('b', OTHER)].join('\n'), () => [dup('x', 'a'), dup('y', 'b')], 'addSummaryDuplicate(2)', 0],
    [
      'a link listed twice',
      [link('a'), link('a')].join('\n'),
      () => [newOne('1', 'a'), dup('1', 'a')],
      'addSummaryNew(1), addSummaryRepeated(1)',
      1,
    ],
    [
      'new, saved, invalid and bad lines',
      [link('a'), 'junk', link('b', OTHER), link('c'), 'otpauth://totp/x?secret=AB'].join('\n'),
      () => [newOne('1', 'a'), dup('old', 'b'), invalid],
      'addSummaryNew(1), addSummaryDuplicate(1), addSummaryInvalid(3)',
      1,
    ],
    ['nothing usable', 'junk', () => [], 'addSummaryInvalid(1)', 0],
  ])('summarises %s', (_label, text, reply, summary, saved) => {
    const c = collectFromText(text);
    const sent = sentFor(c);
    const p = buildPreview(c, sent, reply(c));
    expect(p.summary).toBe(summary);
    expect(p.toSave).toHaveLength(saved);
    expect(p.warnings).toEqual([]);
  });

  it('counts new, saved, repeated, skipped by reason and invalid, and warns of missing QR codes', () => {
    const mixed: MigrationEntry[] = [
      ...entries(2, 400),
      { secret: secretBytes(11), name: 'm1', issuer: 'Bank', algorithm: 4, type: 2 },
      { secret: secretBytes(12), name: 'm2', issuer: 'Bank', algorithm: 4, type: 2 },
      { secret: secretBytes(13), name: 'u', issuer: 'Bank', algorithm: 1, type: 0 },
    ];
    const qr = encodeExport([...mixed, ...entries(2, 500)], { perBatch: 5, batchId: 42 });
    const text = [link('alice'), '', 'not a link', qr[0]!, link('bob', OTHER), link('alice')].join('\n');
    const c = collectFromText(text);
    // Links first (with their lines), then the export's two usable accounts.
    expect(c.candidates.map((x) => x.line)).toEqual([1, 5, 6, null, null]);
    expect(c.missing).toEqual([{ total: 2, numbers: [2] }]);

    const sent = sentFor(c);
    const outcomes: AddOutcome[] = [newOne('n1', 'alice'), dup('saved', 'bob'), dup('n1', 'alice'), newOne('n2', 'acc400@example.com'), invalid];
    const p = buildPreview(c, sent, outcomes);

    expect(p.summary).toBe(
      'addSummaryNew(2), addSummaryDuplicate(1), addSummaryRepeated(1), addSummarySkipped(2|addReason_md5), addSummarySkipped(1|addReason_unknown_type), addSummaryInvalid(2)',
    );
    expect(p.toSave).toEqual([sent[0], sent[3]]);
    expect(p.warnings).toEqual(['addMissingBatches(2|2)']);
    expect(p.rows.map((r) => [r.key, r.tone, r.issuer, r.name, r.status])).toEqual([
      ['c0', 'new', 'ACME', 'alice', 'addStatusNew'],
      ['c1', 'skip', 'ACME', 'bob', 'addStatusDuplicate'],
      ['c2', 'skip', 'ACME', 'alice', 'addStatusRepeated'],
      ['c3', 'new', 'ACME', 'acc400@example.com', 'addStatusNew'],
      ['c4', 'bad', 'Google', 'acc401@example.com', 'error:bad-request'],
      ['s0', 'skip', 'Bank', 'm1', 'addStatusSkipped(addReason_md5)'],
      ['s1', 'skip', 'Bank', 'm2', 'addStatusSkipped(addReason_md5)'],
      ['s2', 'skip', 'Bank', 'u', 'addStatusSkipped(addReason_unknown_type)'],
      ['p0', 'bad', '', 'addLine(3)', 'addErrNotLink'],
    ]);
    // Row keys are unique (they key the rendered list).
    expect(new Set(p.rows.map((r) => r.key)).size).toBe(p.rows.length);
  });

  it('shows a skipped-only export with an empty reply', () => {
    const c = collectFromText(encodeMigrationUri([{ secret: secretBytes(9), name: 'only-md5', issuer: 'I', algorithm: 4, type: 2 }]));
    const p = buildPreview(c, sentFor(c), []);
    expect(p.summary).toBe('addSummarySkipped(1|addReason_md5)');
    expect(p.toSave).toEqual([]);
  });

  it.each([
    [{ line: 4, error: { kind: 'not-link' } as LineError }, 'addLineError(4|addErrNotLink)'],
    [{ line: null, error: { kind: 'too-long' } as LineError }, 'addErrLineTooLong'],
    [{ line: 2, error: { kind: 'otp', code: 'bad-digits' } as LineError }, 'addLineError(2|error:bad-digits)'],
    [{ line: 7, error: { kind: 'migration', code: 'bad-protobuf' } as LineError }, 'addLineError(7|errorMigration_bad_protobuf)'],
  ])('words the problem %j as %j', (problem, text) => {
    expect(problemText(problem)).toBe(text);
  });
});
