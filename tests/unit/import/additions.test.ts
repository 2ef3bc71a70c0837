/**
 * Adding accounts by hand or by import: the platform origin accepted, and the plan of what is
 * new, what the vault already holds and what is invalid (an import run twice adds nothing twice).
 */
import { describe, expect, it } from 'vitest';
import { normalizeOrigin, planAdditions } from '../../../lib/import/additions';
import type { StoredAccount } from '../../../lib/vault/accounts';
import { accountToUri, type Base32Secret, type OtpAccount } from '../../../lib/otp/otp';
import type { NewAccount } from '../../../lib/protocol/messages';

const ORIGIN = 'https://community.thingpark.io';
const REALM = 'tpw-users-actility-tpe-ope';
const NOW = 1_700_000_012_345;
const SECRET = 'IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE' as Base32Secret;
const OTHER_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' as Base32Secret;

describe('normalizeOrigin', () => {
  it.each([
    ['https://community.thingpark.io', 'https://community.thingpark.io'],
    ['https://community.thingpark.io/', 'https://community.thingpark.io'],
    ['https://community.thingpark.io/auth/realms/x/account?tab=otp#top', 'https://community.thingpark.io'],
    ['https://tpe.example.com:8443/thingpark', 'https://tpe.example.com:8443'],
    ['https://tpe.example.com:443/', 'https://tpe.example.com'],
    ['HTTPS://TPE.Example.COM', 'https://tpe.example.com'],
    ['  https://tpe.example.com  ', 'https://tpe.example.com'],
    ['http://localhost:3000/login', 'http://localhost:3000'],
    ['http://localhost', 'http://localhost'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
  ])('accepts %j as %j', (input, origin) => {
    expect(normalizeOrigin(input)).toBe(origin);
  });

  it.each([
    ['plain http', 'http://community.thingpark.io'],
    ['http on a look-alike of localhost', 'http://localhost.evil.example'],
    ['http on another loopback address', 'http://127.0.0.2'],
    ['ftp', 'ftp://community.thingpark.io'],
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:text/html,<b>x</b>'],
    ['file:', 'file:///etc/passwd'],
    ['a bare host name', 'community.thingpark.io'],
    ['garbage', 'not a url'],
    ['empty', ''],
    ['a scheme without host', 'https://'],
    ['user and password', 'https://user:pass@community.thingpark.io'],
    ['user only', 'https://user@community.thingpark.io'],
    ['credentials on localhost', 'http://a:b@localhost:3000'],
  ])('refuses %s', (_label, input) => {
    expect(normalizeOrigin(input)).toBeNull();
  });
});

function otp(over: Partial<OtpAccount> = {}): OtpAccount {
  return {
    kind: 'totp',
    secret: SECRET,
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    counter: 0,
    issuer: 'ThingPark Enterprise',
    accountName: 'jane.doe@example.com',
    ...over,
  };
}

function stored(over: Partial<StoredAccount> = {}): StoredAccount {
  return { ...otp(), id: 'old-1', origin: ORIGIN, realm: REALM, deviceName: 'Laptop', addedAt: 1, lastUsedStep: 123, ...over };
}

function request(over: Partial<NewAccount> & { otp?: Partial<OtpAccount> } = {}): NewAccount {
  const { otp: otpOver, ...rest } = over;
  return { uri: accountToUri(otp(otpOver)), origin: ORIGIN, realm: REALM, deviceName: 'ThingPark Autofill', ...rest };
}

/** Ids new-1, new-2, ... in call order. */
function ids(): { newId: () => string; calls: () => number } {
  let n = 0;
  return { newId: () => `new-${++n}`, calls: () => n };
}

function plan(existing: StoredAccount[], requested: NewAccount[]) {
  const gen = ids();
  return { ...planAdditions(existing, requested, { nowMs: NOW, newId: gen.newId }), idCalls: gen.calls() };
}

describe('planAdditions', () => {
  it('adds a new account bound to the normalized origin and realm', () => {
    const r = plan([], [request({ origin: `${ORIGIN}/auth/realms/${REALM}/`, deviceName: '  Work laptop  ' })]);
    expect(r.outcomes).toEqual([{ status: 'new', id: 'new-1', issuer: 'ThingPark Enterprise', accountName: 'jane.doe@example.com' }]);
    expect(r.added).toEqual([
      { ...otp(), id: 'new-1', origin: ORIGIN, realm: REALM, deviceName: 'Work laptop', addedAt: NOW, lastUsedStep: null },
    ]);
  });

  it('cuts a long device name to 64 characters', () => {
    const r = plan([], [request({ deviceName: `  ${'d'.repeat(100)} ` })]);
    expect(r.added[0]!.deviceName).toBe('d'.repeat(64));
  });

  it('stores a blank realm as unknown (null)', () => {
    const r = plan([], [request({ realm: '   ' })]);
    expect(r.added[0]!.realm).toBeNull();
  });

  it('keeps HOTP parameters from the URI', () => {
    const r = plan([], [request({ otp: { kind: 'hotp', counter: 7, algorithm: 'SHA256', digits: 8 } })]);
    expect(r.added[0]).toMatchObject({ kind: 'hotp', counter: 7, algorithm: 'SHA256', digits: 8 });
  });

  it('reports a duplicate of a stored account with its id', () => {
    const r = plan([stored()], [request()]);
    expect(r.outcomes).toEqual([{ status: 'duplicate', id: 'old-1', issuer: 'ThingPark Enterprise', accountName: 'jane.doe@example.com' }]);
    expect(r.added).toEqual([]);
    expect(r.idCalls).toBe(0);
  });

  it('compares user names without case, and origins once normalized', () => {
    const r = plan([stored()], [request({ origin: `${ORIGIN.toUpperCase()}/x`, otp: { accountName: 'Jane.Doe@Example.COM' } })]);
    expect(r.outcomes[0]).toMatchObject({ status: 'duplicate', id: 'old-1', accountName: 'Jane.Doe@Example.COM' });
  });

  it('reports a duplicate within the same request against the first one', () => {
    const r = plan([], [request(), request({ deviceName: 'again' })]);
    expect(r.outcomes.map((o) => o.status)).toEqual(['new', 'duplicate']);
    expect(r.outcomes[1]).toMatchObject({ id: 'new-1' });
    expect(r.added).toHaveLength(1);
    expect(r.idCalls).toBe(1);
  });

  it.each([
    ['another origin', { origin: 'https://eu1.thingpark.io' }, {}],
    ['another realm', { realm: 'other-realm' }, {}],
    ['an unknown realm', { realm: null }, {}],
    ['another user', {}, { accountName: 'john@example.com' }],
    ['another secret', {}, { secret: OTHER_SECRET }],
  ])('counts the same authenticator on %s as new', (_label, over, otpOver) => {
    const r = plan([stored()], [request({ ...over, otp: otpOver })]);
    expect(r.outcomes[0]).toMatchObject({ status: 'new', id: 'new-1' });
  });

  it.each([
    ['not a URI', 'hello', 'not-otpauth'],
    ['an export instead of an account', 'otpauth-migration://offline?data=CgA%3D', 'not-otpauth'],
    ['no secret', 'otpauth://totp/TPE:jane?issuer=TPE', 'missing-secret'],
    ['a short secret', 'otpauth://totp/TPE:jane?secret=JBSWY3DP', 'secret-too-short'],
    ['an MD5 algorithm', `otpauth://totp/TPE:jane?secret=${SECRET}&algorithm=MD5`, 'unknown-algorithm'],
    ['HOTP without counter', `otpauth://hotp/TPE:jane?secret=${SECRET}`, 'bad-counter'],
  ])('reports %s with the parser’s error code', (_label, uri, code) => {
    const r = plan([], [request({ uri })]);
    expect(r.outcomes).toEqual([{ status: 'invalid', error: expect.objectContaining({ code }) }]);
    expect(r.added).toEqual([]);
  });

  it.each(['http://community.thingpark.io', 'ftp://x.example', 'javascript:alert(1)', '', 'https://a:b@community.thingpark.io'])(
    'reports the origin %j as bad-origin',
    (origin) => {
      const r = plan([], [request({ origin })]);
      expect(r.outcomes).toEqual([{ status: 'invalid', error: expect.objectContaining({ code: 'bad-origin' }) }]);
      expect(r.added).toEqual([]);
    },
  );

  it('handles a mixed request in order, taking ids only for new accounts', () => {
    const r = plan(
      [stored()],
      [
        request({ otp: { accountName: 'a@example.com' } }),
        request(), // stored already
        request({ uri: 'garbage' }),
        request({ otp: { accountName: 'b@example.com' } }),
        request({ origin: 'http://example.com' }),
        request({ otp: { accountName: 'A@example.com' } }), // same as the first
      ],
    );
    expect(r.outcomes.map((o) => (o.status === 'invalid' ? o.error.code : `${o.status}:${o.id}`))).toEqual([
      'new:new-1',
      'duplicate:old-1',
      'not-otpauth',
      'new:new-2',
      'bad-origin',
      'duplicate:new-1',
    ]);
    expect(r.added.map((a) => a.id)).toEqual(['new-1', 'new-2']);
    expect(r.idCalls).toBe(2);
  });

  it('mutates neither the stored accounts nor the request', () => {
    const existing = [stored(), stored({ id: 'old-2', accountName: 'john@example.com' })];
    const requested = [request(), request({ otp: { accountName: 'new@example.com' } }), request({ uri: 'bad' })];
    const before = structuredClone({ existing, requested });
    const frozen = Object.freeze(existing.map((a) => Object.freeze(a)));
    const r = planAdditions(frozen, Object.freeze(requested.map((q) => Object.freeze(q))), { nowMs: NOW, newId: ids().newId });
    expect(r.added).toHaveLength(1);
    expect({ existing, requested }).toEqual(before);
    expect(r.added[0]).not.toBe(existing[0]);
  });

  it('plans nothing for an empty request', () => {
    expect(plan([stored()], [])).toEqual({ outcomes: [], added: [], idCalls: 0 });
  });
});
