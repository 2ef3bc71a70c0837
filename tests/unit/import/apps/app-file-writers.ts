/**
 * Test-only writers of Aegis and 2FAS export files, built from the documented structure (Aegis's
 * docs/vault.md; 2fas-android's BackupContent/BackupService and its cipher), never copied from
 * another project's samples. Encryption uses node:crypto (its own scrypt, PBKDF2 and AES-GCM), so
 * the readers, which use @noble/hashes and Web Crypto, are checked against an independent
 * implementation rather than against themselves.
 */
import { createCipheriv, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { expect } from 'vitest';
import { TWOFAS_REFERENCE } from '../../../../lib/import/apps/twofas';
import { base32FromBytes, codeAt, parseOtpauthUri, type OtpAccount } from '../../../../lib/otp/otp';

// ---------------------------------------------------------------------------------------------
// RFC known answers

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
/** RFC 6238 Appendix B seeds, one per hash (RFC 4226's is the SHA-1 one). */
export const SEED = {
  SHA1: ascii('12345678901234567890'),
  SHA256: ascii('12345678901234567890123456789012'),
  SHA512: ascii('1234567890'.repeat(6) + '1234'),
};
export const B32 = { SHA1: base32FromBytes(SEED.SHA1), SHA256: base32FromBytes(SEED.SHA256), SHA512: base32FromBytes(SEED.SHA512) };

export function parsedAccount(uri: string): OtpAccount {
  const r = parseOtpauthUri(uri);
  if (!r.ok) throw new Error(`imported URI does not parse: ${r.error.code}`);
  return r.value;
}

/**
 * The four accounts both sample files hold give the RFC answers: SHA-1 6 digits and SHA-256 8
 * digits at t = 59 s (RFC 6238), SHA-512 8 digits with a 60 s period at t = 118 s (step 1, whose
 * code RFC 6238 gives for t = 59 s at 30 s), and HOTP counter 5 (RFC 4226 Appendix D).
 */
export function expectRfcCodes([a, b, c, d]: OtpAccount[]): void {
  expect(a).toMatchObject({ kind: 'totp', algorithm: 'SHA1', digits: 6, period: 30 });
  expect(codeAt(a!, 59_000)).toBe('287082');
  expect(b).toMatchObject({ kind: 'totp', algorithm: 'SHA256', digits: 8, period: 30 });
  expect(codeAt(b!, 59_000)).toBe('46119246');
  expect(codeAt(b!, 2_000_000_000_000)).toBe('90698825');
  expect(c).toMatchObject({ kind: 'totp', algorithm: 'SHA512', digits: 8, period: 60 });
  expect(codeAt(c!, 118_000)).toBe('90693936');
  expect(d).toMatchObject({ kind: 'hotp', algorithm: 'SHA1', digits: 6, counter: 5 });
  expect(codeAt(d!, 0)).toBe('254676');
}

// ---------------------------------------------------------------------------------------------
// Encoding and sealing

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

/** AES-256-GCM with a fresh 96-bit nonce, tag apart. */
export function seal(key: Uint8Array, plain: Uint8Array): { ciphertext: Buffer; nonce: Buffer; tag: Buffer } {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return { ciphertext, nonce, tag: cipher.getAuthTag() };
}

// ---------------------------------------------------------------------------------------------
// Aegis

/** The real parameters of every Aegis vault (docs/vault.md). */
export const AEGIS_SCRYPT = { n: 2 ** 15, r: 8, p: 1 } as const;
/** Small parameters for fast tests: scrypt is still scrypt, only cheaper. */
export const FAST_SCRYPT = { n: 2 ** 4, r: 8, p: 1 } as const;

let uuid = 0;
const nextUuid = () => `01234567-89ab-4def-8123-${String(++uuid).padStart(12, '0')}`;

/** An entry as Aegis writes it; `info` fields override the defaults (pass `undefined` to drop one). */
export function aegisEntry(
  type: string,
  name: unknown,
  issuer: unknown,
  info: Record<string, unknown>,
): Record<string, unknown> {
  const base: Record<string, unknown> = { secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', algo: 'SHA1', digits: 6 };
  if (type === 'hotp') base.counter = 0;
  else base.period = 30;
  const merged = Object.fromEntries(Object.entries({ ...base, ...info }).filter(([, v]) => v !== undefined));
  return {
    type,
    uuid: nextUuid(),
    name,
    issuer,
    note: '',
    favorite: false,
    icon: null,
    icon_mime: null,
    icon_hash: null,
    info: merged,
    groups: [],
  };
}

export interface AegisOptions {
  version?: unknown;
  dbVersion?: unknown;
  /** Encrypt this text instead of the content JSON (to test broken plaintexts). */
  plaintext?: string;
}

export const aegisContent = (entries: unknown[], o: AegisOptions = {}) => ({
  version: o.dbVersion ?? 3,
  entries,
  groups: [],
  icons_optimized: true,
});

export function aegisPlain(entries: unknown[], o: AegisOptions = {}): Record<string, unknown> {
  return { version: o.version ?? 1, header: { slots: null, params: null }, db: aegisContent(entries, o) };
}

export type SlotSpec =
  | { password: string; n?: number; r?: number; p?: number; salt?: Uint8Array }
  | { type: 0 | 2 };

/** A slot wrapping `masterKey`: password slots with node's scrypt, raw and biometric ones with a random key. */
function aegisSlot(spec: SlotSpec, masterKey: Uint8Array): Record<string, unknown> {
  if ('type' in spec) {
    const s = seal(randomBytes(32), masterKey);
    return { type: spec.type, uuid: nextUuid(), key: hex(s.ciphertext), key_params: { nonce: hex(s.nonce), tag: hex(s.tag) } };
  }
  const { n, r, p } = { ...AEGIS_SCRYPT, ...spec };
  const salt = spec.salt ?? randomBytes(32);
  const key = scryptSync(Buffer.from(spec.password, 'utf8'), salt, 32, { N: n, r, p, maxmem: 256 * 1024 * 1024 });
  const s = seal(key, masterKey);
  return {
    type: 1,
    uuid: nextUuid(),
    key: hex(s.ciphertext),
    key_params: { nonce: hex(s.nonce), tag: hex(s.tag) },
    n,
    r,
    p,
    salt: hex(salt),
    repaired: true,
    is_backup: false,
  };
}

/** An encrypted export: content sealed with a random master key, one slot per spec. */
export function aegisEncrypted(entries: unknown[], slots: SlotSpec[], o: AegisOptions = {}): Record<string, unknown> {
  const masterKey = randomBytes(32);
  // Aegis writes the content with an indent of 4 (JSONObject.toString(4)).
  const plain = o.plaintext ?? JSON.stringify(aegisContent(entries, o), null, 4);
  const s = seal(masterKey, Buffer.from(plain, 'utf8'));
  return {
    version: o.version ?? 1,
    header: { slots: slots.map((spec) => aegisSlot(spec, masterKey)), params: { nonce: hex(s.nonce), tag: hex(s.tag) } },
    db: b64(s.ciphertext),
  };
}

// ---------------------------------------------------------------------------------------------
// 2FAS

export interface ServiceSpec {
  name?: unknown;
  secret?: unknown;
  account?: unknown;
  issuer?: unknown;
  label?: unknown;
  digits?: unknown;
  period?: unknown;
  algorithm?: unknown;
  counter?: unknown;
  tokenType?: unknown;
}

let position = 0;
/** A service as 2fas-android writes it (BackupService); unset spec fields keep 2FAS's defaults. */
export function twofasService(spec: ServiceSpec): Record<string, unknown> {
  const s = { name: 'ThingPark', secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', account: 'alice@example.com', issuer: 'ThingPark', digits: 6, period: 30, algorithm: 'SHA1', counter: 0, tokenType: 'TOTP', ...spec };
  return {
    name: s.name,
    secret: s.secret,
    updatedAt: 1_714_557_600_000 + position,
    serviceTypeID: null,
    otp: {
      link: null,
      label: s.label ?? (typeof s.issuer === 'string' && typeof s.account === 'string' ? `${s.issuer}:${s.account}` : null),
      account: s.account,
      issuer: s.issuer,
      digits: s.digits,
      period: s.period,
      algorithm: s.algorithm,
      counter: s.counter,
      tokenType: s.tokenType,
      source: 'Manual',
    },
    order: { position: position++ },
    badge: null,
    icon: { selected: 'Label', brand: null, label: { text: 'TP', backgroundColor: 'Indigo' }, iconCollection: { id: 'a5b3fb65-4ec5-43e6-8ec1-49e24ca9e7ad' } },
    groupId: null,
  };
}

export interface TwoFasOptions {
  schemaVersion?: unknown;
}

export function twofasPlain(services: unknown[], o: TwoFasOptions = {}): Record<string, unknown> {
  return {
    services,
    groups: [],
    updatedAt: 1_714_557_600_000,
    schemaVersion: o.schemaVersion ?? 4,
    appVersionCode: 5_000_029,
    appVersionName: '5.3.0',
    appOrigin: 'android',
  };
}

export interface TwoFasEncryptOptions extends TwoFasOptions {
  /** false: no `reference` field; a string: encrypt that instead of 2FAS's text. */
  reference?: boolean | string;
  /** Encrypt this text instead of the services JSON. */
  plaintext?: string;
}

/** 2FAS's field: base64(ciphertext+tag):base64(salt):base64(iv). */
function twofasField(key: Uint8Array, salt: Uint8Array, plain: string): string {
  const s = seal(key, Buffer.from(plain, 'utf8'));
  return `${b64(Buffer.concat([s.ciphertext, s.tag]))}:${b64(salt)}:${b64(s.nonce)}`;
}

/** A password-protected backup: services and the reference text under one PBKDF2 key and salt. */
export function twofasEncrypted(services: unknown[], password: string, o: TwoFasEncryptOptions = {}): Record<string, unknown> {
  const salt = randomBytes(256);
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, 10_000, 32, 'sha256');
  const file: Record<string, unknown> = {
    ...twofasPlain([], o),
    servicesEncrypted: twofasField(key, salt, o.plaintext ?? JSON.stringify(services)),
  };
  if (o.reference !== false) file.reference = twofasField(key, salt, typeof o.reference === 'string' ? o.reference : TWOFAS_REFERENCE);
  return file;
}
