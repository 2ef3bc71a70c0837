/**
 * Generators and oracles for the property tests of lib/import/apps/bitwarden.ts and
 * authenticator.ts (bitwarden.property.test.ts, authenticator.property.test.ts): valid files with
 * the accounts they must read back to, hostile files (any field sometimes any JSON value), and what
 * each reader must call `damaged`, written from the formats' structure, not from the readers.
 */
import { expect } from 'vitest';
import fc from 'fast-check';
import type { AppFileErrorCode } from '../../../../lib/import/apps/app-file';
import { accountToUri, base32FromBytes, parseOtpauthUri, validateParams, type Algorithm, type OtpAccount } from '../../../../lib/otp/otp';
import { badResult, hostileString, mutated, SKIP_REASONS } from '../../property-helpers';

// Every AppFileErrorCode, checked against the union at compile time.
const CODES = ['too-large', 'not-json', 'unknown-format', 'damaged', 'password-needed', 'wrong-password', 'encrypted-export', 'unsupported-version', 'empty'] as const;
const complete: [Exclude<AppFileErrorCode, (typeof CODES)[number]>] extends [never] ? true : never = true;
export const APP_FILE_CODES: ReadonlySet<string> = new Set<string>(complete ? CODES : []);

// ---------------------------------------------------------------------------------------------
// Generators

/** Names as people type them: trimmed, non-empty, no ':' (the issuer separator has its own unit tests). */
export const niceName = fc
  .string({ unit: fc.constantFrom(...'abcxyzABCXYZ0189 ._-@+'.split(''), 'é', 'ß', '日本', '😀', 'e\u0301'), minLength: 1, maxLength: 14 })
  .map((s) => s.trim())
  .filter((s) => s !== '');

const algorithmArb = fc.constantFrom<Algorithm>('SHA1', 'SHA256', 'SHA512');

/** An account as the URI parser returns it (period 30 for HOTP, counter 0 for TOTP). */
export const accountArb: fc.Arbitrary<OtpAccount & { bytes: Uint8Array }> = fc
  .record({
    kind: fc.constantFrom<'totp' | 'hotp'>('totp', 'hotp'),
    bytes: fc.uint8Array({ minLength: 10, maxLength: 64 }),
    algorithm: algorithmArb,
    digits: fc.integer({ min: 6, max: 10 }),
    period: fc.oneof(fc.constant(30), fc.integer({ min: 1, max: 3600 })),
    counter: fc.oneof(fc.nat({ max: 1000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
    issuer: niceName,
    accountName: niceName,
  })
  .map(({ bytes, kind, period, counter, ...rest }) => ({
    ...rest,
    bytes,
    kind,
    secret: base32FromBytes(bytes),
    period: kind === 'totp' ? period : 30,
    counter: kind === 'hotp' ? counter : 0,
  }));

export const strip = ({ bytes: _, ...account }: OtpAccount & { bytes: Uint8Array }): OtpAccount => account;

/** A base32 key as pasted: random case, grouped in fours or not, padded or not. */
const pastedArb = (b32: string) =>
  fc.record({ lower: fc.boolean(), grouped: fc.boolean(), pad: fc.boolean() }).map(({ lower, grouped, pad }) => {
    let s = lower ? b32.toLowerCase() : b32;
    if (pad) s += '='.repeat((8 - (b32.length % 8)) % 8);
    return grouped ? s.replace(/(.{4})/g, '$1 ').trim() : s;
  });

export function checkImported(uris: readonly string[]): OtpAccount[] {
  return uris.map((uri) => {
    const parsed = parseOtpauthUri(uri);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) throw new Error('unreachable');
    expect(validateParams(parsed.value).ok).toBe(true);
    expect(accountToUri(parsed.value)).toBe(uri);
    return parsed.value;
  });
}

export function expectResultShape(r: unknown): void {
  expect(badResult(r, APP_FILE_CODES)).toBeNull();
  const o = r as { ok: boolean; value?: { uris: string[]; skipped: Array<{ reason: string }> } };
  if (!o.ok) return;
  for (const s of o.value!.skipped) expect(SKIP_REASONS.has(s.reason)).toBe(true);
  checkImported(o.value!.uris);
}

// ---------------------------------------------------------------------------------------------
// Bitwarden

const other = fc.constantFrom<unknown>(
  { type: 2, name: 'Note', notes: 'n', secureNote: { type: 0 } },
  { type: 3, name: 'Card', card: { number: '4111' } },
  { type: 4, name: 'Me', identity: {} },
  { type: 5, name: 'SSH', sshKey: {} },
  { type: 1, name: 'No 2FA', login: { username: 'u', password: 'p', totp: null, uris: [] } },
  { type: 1, name: 'Empty 2FA', login: { username: 'u', totp: '' } },
  { type: 1, name: 'No login' },
);

type BwCase = { item: unknown; expected: OtpAccount | null };

const bwItemArb: fc.Arbitrary<BwCase> = fc.oneof(
  // An otpauth URI with its own issuer; the item's name and user do not matter.
  fc.tuple(accountArb, niceName, fc.option(niceName, { nil: null })).map(([a, name, username]) => ({
    item: { type: 1, name, login: { username, password: 'pw', totp: accountToUri(a), uris: [{ uri: 'https://x.example', match: null }] } },
    expected: strip(a),
  })),
  // A URI without an issuer: the item's name becomes it.
  fc.tuple(accountArb, niceName).map(([a, name]) => ({
    item: { type: 1, name, login: { username: 'someone', totp: accountToUri({ ...strip(a), issuer: '' }) } },
    expected: { ...strip(a), issuer: name },
  })),
  // A bare key: default TOTP named after the item and its user.
  fc
    .tuple(fc.uint8Array({ minLength: 10, maxLength: 40 }), niceName, fc.option(niceName, { nil: null }))
    .chain(([bytes, name, username]) =>
      pastedArb(base32FromBytes(bytes)).map((pasted) => ({
        item: { type: 1, name, login: { username, totp: pasted } },
        expected: { kind: 'totp', secret: base32FromBytes(bytes), algorithm: 'SHA1', digits: 6, period: 30, counter: 0, issuer: name, accountName: username ?? name } as OtpAccount,
      })),
    ),
  other.map((item) => ({ item, expected: null })),
);

export const bwFileArb = fc.tuple(fc.array(bwItemArb, { maxLength: 10 }), fc.constantFrom('personal', 'organization', 'converter')).map(([cases, kind]) => {
  const items = cases.map((c) => c.item);
  const file =
    kind === 'personal'
      ? { encrypted: false, folders: [{ id: 'f', name: 'Work' }], items }
      : kind === 'organization'
        ? { encrypted: false, collections: [{ id: 'c', organizationId: 'o', name: 'Ops' }], items }
        : { folders: [], items };
  return { file, expected: cases.flatMap((c) => (c.expected ? [c.expected] : [])) };
});

/** What the reader must call `damaged`: the structure of the fields it reads (see bitwarden.ts). */
export function bwBroken(file: Record<string, unknown>): boolean {
  const text = (v: unknown) => v === undefined || v === null || typeof v === 'string';
  if (!Array.isArray(file.items)) return true;
  if ([file.folders, file.collections].some((l) => l != null && !Array.isArray(l))) return true;
  return file.items.some((item: unknown) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return true;
    const i = item as Record<string, unknown>;
    if (i.type !== 1 || i.login == null) return false;
    if (typeof i.login !== 'object' || Array.isArray(i.login)) return true;
    const login = i.login as Record<string, unknown>;
    if (!text(login.totp)) return true;
    if (typeof login.totp !== 'string' || login.totp.trim() === '') return false;
    return !text(i.name) || !text(login.username);
  });
}

/** Values a hand-edited or hostile file may hold anywhere. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.constantFrom(undefined, null, '', ' ', 1, 0, -1, 1.5, true, [], {}), weight: 3 },
  { arbitrary: hostileString(20), weight: 3 },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 2 },
);

/** Mostly what Bitwarden writes, each field sometimes replaced by anything. */
export const usually = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ arbitrary: arb, weight: 6 }, { arbitrary: anyValue, weight: 1 });

const bwHostileItem: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: bwItemArb.map((c) => c.item), weight: 4 },
  {
    arbitrary: fc.record(
      {
        type: usually(fc.constant(1)),
        name: usually(fc.oneof(niceName, hostileString(20))),
        login: usually(
          fc.record(
            {
              username: usually(fc.oneof(niceName, hostileString(20))),
              totp: usually(fc.oneof(hostileString(40), mutated(accountArb.map(accountToUri), 2), fc.constant(`steam://${'A'.repeat(16)}`))),
            },
            { requiredKeys: [] },
          ),
        ),
      },
      { requiredKeys: [] },
    ),
    weight: 4,
  },
  { arbitrary: anyValue, weight: 1 },
);

export const bwHostileFile = fc.record(
  {
    encrypted: usually(fc.constant(false)),
    folders: usually(fc.constant([])),
    items: usually(fc.array(bwHostileItem, { maxLength: 6 })),
  },
  { requiredKeys: ['items'] },
);

// ---------------------------------------------------------------------------------------------
// Authenticator

const hex = (bytes: Uint8Array, upper: boolean) => {
  const h = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return upper ? h.toUpperCase() : h;
};

type AuthCase = { value: Record<string, unknown>; expected: { ok: true; account: OtpAccount } | { ok: false; name: string; issuer: string } };

/** One entry as the extension stores it (defaults left out), and what must come of it. */
const authEntryArb: fc.Arbitrary<AuthCase> = fc
  .tuple(accountArb, fc.constantFrom('base32', 'hex', 'v2-encrypted', 'sealed'), fc.boolean(), fc.option(niceName, { nil: '' }))
  .map(([a, style, upper, issuer]) => {
    const account = { ...strip(a), issuer, period: style === 'hex' ? 30 : a.period };
    if (style === 'sealed') return { value: { dataType: 'EncOTPStorage', keyId: 'k', data: 'U2FsdGVkX1+sealed' }, expected: { ok: false, name: '', issuer: '' } };
    const value: Record<string, unknown> = {
      dataType: 'OTPStorage',
      encrypted: style === 'v2-encrypted',
      type: style === 'hex' ? (a.kind === 'totp' ? 'hex' : 'hhex') : a.kind,
      secret: style === 'hex' ? hex(a.bytes, upper) : style === 'v2-encrypted' ? 'U2FsdGVkX1/v2secret' : a.secret,
    };
    if (issuer) value.issuer = issuer;
    value.account = a.accountName;
    if (a.kind === 'hotp') value.counter = a.counter;
    if (a.kind === 'totp' && a.period !== 30 && style !== 'hex') value.period = a.period;
    if (a.digits !== 6) value.digits = a.digits;
    if (a.algorithm !== 'SHA1') value.algorithm = a.algorithm;
    if (style === 'v2-encrypted') return { value, expected: { ok: false, name: a.accountName, issuer } };
    return { value, expected: { ok: true, account } };
  });

export const authFileArb = fc
  .array(authEntryArb, { minLength: 1, maxLength: 8 })
  .chain((cases) => fc.tuple(fc.constant(cases), fc.shuffledSubarray([...cases.keys()], { minLength: cases.length, maxLength: cases.length }), fc.boolean()))
  .map(([cases, order, withKeys]) => {
    const file: Record<string, unknown> = {};
    // Keys in the shuffled order, positions in `index`: the reader must follow `index`.
    for (const i of order) file[i % 2 === 0 ? `${i}` : `hash-${i}-4d3e-8f40`] = { ...cases[i]!.value, index: i, hash: `h${i}` };
    if (withKeys) Object.assign(file, { key: { enc: 'U2FsdGVkX1/k', hash: 'x' }, 'k-1': { dataType: 'Key', id: 'k-1', salt: 's' } });
    return { file, cases };
  });

/** What the reader must call `damaged` (see authenticator.ts). */
export function authBroken(file: Record<string, unknown>): boolean {
  const text = (v: unknown) => v === undefined || v === null || typeof v === 'string';
  const count = (v: unknown) => v === undefined || v === null || typeof v === 'number' || (typeof v === 'string' && /^[0-9]+$/.test(v));
  return Object.entries(file).some(([key, v]) => {
    if (['key', 'UserSettings', 'LocalStorage'].includes(key)) return false;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return true;
    const e = v as Record<string, unknown>;
    if (e.dataType === 'Key') return false;
    if (e.dataType === 'EncOTPStorage' && typeof e.data === 'string') return false;
    if (typeof e.secret !== 'string' || (typeof e.type !== 'string' && typeof e.encrypted !== 'boolean')) return true;
    if (!text(e.issuer) || !text(e.account)) return true;
    if (!(e.encrypted === undefined || e.encrypted === null || typeof e.encrypted === 'boolean')) return true;
    if (e.encrypted === true) return false;
    if (!text(e.type) || !count(e.digits) || !count(e.period) || !count(e.counter)) return true;
    return !(e.algorithm === undefined || e.algorithm === null || typeof e.algorithm === 'string' || typeof e.algorithm === 'number');
  });
}

const authHostileEntry: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: authEntryArb.map((c) => c.value), weight: 4 },
  {
    arbitrary: fc.record(
      {
        secret: usually(fc.oneof(hostileString(40), fc.constantFrom('stm-JBSWY3DPEHPK3PXP', 'blz-JBSWY3DPEHPK3PXP', '3132333435363738393031323334353637383930'), accountArb.map((a) => a.secret))),
        type: usually(fc.constantFrom('totp', 'hotp', 'hex', 'hhex', 'battle', 'steam', 'motp')),
        encrypted: usually(fc.constantFrom(false, true, null)),
        issuer: usually(fc.oneof(niceName, hostileString(20))),
        account: usually(fc.oneof(niceName, hostileString(20))),
        digits: usually(fc.oneof(fc.integer({ min: -2, max: 12 }), fc.constantFrom('8', '08', '6.0'))),
        period: usually(fc.oneof(fc.integer({ min: -1, max: 4000 }), fc.constantFrom('60', '1e2'))),
        counter: usually(fc.oneof(fc.integer(), fc.constant(2 ** 60), fc.constant(1.5))),
        algorithm: usually(fc.constantFrom('SHA1', 'sha256', 'SHA512', 'MD5', 'GOST3411_2012_512', 0, 2, 9, '2')),
        index: anyValue,
        dataType: fc.constantFrom(undefined, 'OTPStorage', 'EncOTPStorage', 'Key'),
        data: usually(fc.constant('U2FsdGVkX1+x')),
      },
      { requiredKeys: ['secret', 'type'] },
    ),
    weight: 4,
  },
  { arbitrary: anyValue, weight: 1 },
);

export const authHostileFile = fc.dictionary(fc.oneof(fc.constantFrom('key', 'UserSettings', '__proto__', '0', '1'), fc.uuid(), hostileString(6)), authHostileEntry, {
  minKeys: 1,
  maxKeys: 6,
});

