/**
 * Planning an enrollment: the device name we give Keycloak, the code we fill (checked against
 * the RFC vectors and the simulator's Keycloak), and the account kept until Keycloak accepts it.
 */
import { describe, expect, it } from 'vitest';
import {
  DEVICE_NAME_PREFIX,
  addAccount,
  chooseDeviceName,
  defaultDeviceName,
  planEnrollment,
  type EnrollInput,
} from '../../../lib/keycloak/enroll-plan';
import type { EnrollmentEvidence } from '../../../lib/keycloak/setup-check';
import { EMPTY_VAULT, parseVaultData, type StoredAccount, type VaultData } from '../../../lib/vault/accounts';
import { codeAt, codeForStep, stepAt, type OtpAccount } from '../../../lib/otp/otp';
import * as kc from '../../simulator/keycloak.mjs';

const RAW = 'Aq3kP9vLm2Rt7Wc1Bn5d';
const URI =
  'otpauth://totp/ThingPark%20Enterprise:jane.doe%40example.com?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE&digits=6&algorithm=SHA1&issuer=ThingPark%20Enterprise&period=30';
const ORIGIN = 'https://community.thingpark.io';
const REALM = 'tpw-users-actility-tpe-ope';
const BASE = 'ThingPark Autofill · Firefox on Linux';
const NOW = 1_700_000_012_345;

function evidence(over: Partial<EnrollmentEvidence> = {}): EnrollmentEvidence {
  return {
    qrText: URI,
    qrUnreadable: false,
    hiddenSecret: RAW,
    manual: null,
    fallbackAccountName: null,
    fallbackIssuer: REALM,
    ...over,
  };
}

function input(over: Partial<EnrollInput> = {}): EnrollInput {
  return {
    evidence: evidence(),
    origin: ORIGIN,
    realm: REALM,
    baseDeviceName: BASE,
    refusedNames: [],
    data: structuredClone(EMPTY_VAULT),
    nowMs: NOW,
    id: 'new-id',
    ...over,
  };
}

function plan(over: Partial<EnrollInput> = {}) {
  const r = planEnrollment(input(over));
  if (!r.ok) throw new Error(`expected a plan, got ${r.error.code}`);
  return r.value;
}

function stored(over: Partial<StoredAccount>): StoredAccount {
  return {
    kind: 'totp',
    secret: 'JBSWY3DPEHPK3PXP' as StoredAccount['secret'],
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    counter: 0,
    issuer: 'ThingPark Enterprise',
    accountName: 'jane.doe@example.com',
    id: 'old',
    origin: ORIGIN,
    realm: REALM,
    deviceName: BASE,
    addedAt: 1,
    lastUsedStep: null,
    ...over,
  };
}

const vault = (...accounts: StoredAccount[]): VaultData => ({ version: 2, accounts });

// ---------------------------------------------------------------------------------------------

describe('defaultDeviceName', () => {
  it('names the browser and a readable OS', () => {
    expect(defaultDeviceName('Firefox', 'linux')).toBe('ThingPark Autofill · Firefox on Linux');
    expect(defaultDeviceName('Chrome', 'win')).toBe('ThingPark Autofill · Chrome on Windows');
    expect(defaultDeviceName('Edge', 'mac')).toBe('ThingPark Autofill · Edge on macOS');
    expect(defaultDeviceName('Chrome', 'cros')).toBe('ThingPark Autofill · Chrome on ChromeOS');
    expect(defaultDeviceName('Firefox', 'android')).toBe('ThingPark Autofill · Firefox on Android');
    expect(defaultDeviceName('Firefox', 'linux').startsWith(DEVICE_NAME_PREFIX)).toBe(true);
  });

  it('keeps an unknown OS as given', () => {
    expect(defaultDeviceName('Firefox', 'haiku')).toBe('ThingPark Autofill · Firefox on haiku');
    expect(defaultDeviceName('Chrome', '')).toBe('ThingPark Autofill · Chrome on ');
  });
});

describe('chooseDeviceName', () => {
  it('a free base is kept', () => {
    expect(chooseDeviceName(BASE, [])).toBe(BASE);
    expect(chooseDeviceName(BASE, ['Phone', `${BASE} (2)`])).toBe(BASE);
  });

  it("a taken base → ' (2)', then ' (3)', …", () => {
    expect(chooseDeviceName(BASE, [BASE])).toBe(`${BASE} (2)`);
    expect(chooseDeviceName(BASE, [BASE, `${BASE} (2)`])).toBe(`${BASE} (3)`);
    expect(chooseDeviceName(BASE, [`${BASE} (2)`, BASE, `${BASE} (3)`])).toBe(`${BASE} (4)`);
    // A gap is reused.
    expect(chooseDeviceName(BASE, [BASE, `${BASE} (3)`])).toBe(`${BASE} (2)`);
  });

  it('compares case-insensitively and ignores surrounding spaces of taken names', () => {
    expect(chooseDeviceName('Work Laptop', ['work laptop'])).toBe('Work Laptop (2)');
    expect(chooseDeviceName('Work Laptop', ['WORK LAPTOP', 'work laptop (2)'])).toBe('Work Laptop (3)');
    expect(chooseDeviceName('Work Laptop', ['  Work Laptop  '])).toBe('Work Laptop (2)');
  });
});

describe('planEnrollment: TOTP', () => {
  it('fills the code of the step at nowMs and marks that step as used', () => {
    const p = plan();
    const otp: OtpAccount = { ...p.account };
    expect(p.code).toMatch(/^\d{6}$/);
    expect(p.code).toBe(codeAt(otp, NOW));
    expect(p.account.lastUsedStep).toBe(stepAt(otp, NOW));
    expect(p.account.lastUsedStep).toBe(Math.floor(NOW / 30_000));
    // Keycloak (the simulator's TimeBasedOTP) computes the same code.
    expect(p.code).toBe(kc.totp({ secret: new TextEncoder().encode(RAW), nowMs: NOW }));
  });

  it('RFC 6238: SHA1, 8 digits at t = 59 s → 94287082', () => {
    const raw = '12345678901234567890';
    const uri = kc.buildKeyUri({ policy: kc.normalizePolicy({ digits: 8 }), issuer: 'RFC', account: 'test', rawSecret: raw });
    const p = plan({ evidence: evidence({ qrText: uri, hiddenSecret: raw }), nowMs: 59_000 });
    expect(p.code).toBe('94287082');
    expect(p.account.lastUsedStep).toBe(1);
  });

  it('SHA256 / 8 digits / 60 s are honoured', () => {
    const raw = 'Zr8TqW2mXn4Lp6Ks1Vb9';
    const policy = kc.normalizePolicy({ algorithm: 'SHA256', digits: 8, period: 60 });
    const uri = kc.buildKeyUri({ policy, issuer: 'Actility', account: 'ops', rawSecret: raw });
    const p = plan({ evidence: evidence({ qrText: uri, hiddenSecret: raw }) });
    expect(p.code).toBe(kc.totp({ secret: new TextEncoder().encode(raw), nowMs: NOW, algorithm: 'SHA256', digits: 8, period: 60 }));
    expect(p.account.lastUsedStep).toBe(Math.floor(NOW / 60_000));
  });

  it('the simulated Keycloak accepts the planned code and device name', () => {
    const p = plan();
    const r = kc.validateSetup({
      code: p.code,
      postedSecret: RAW,
      issuedSecret: RAW,
      userLabel: p.account.deviceName,
      existingDevices: [],
      policy: kc.DEFAULT_POLICY,
      nowMs: NOW,
      newId: 'd1',
    });
    expect(r.ok).toBe(true);
  });

  it('account fields: origin, realm, id, addedAt, device name; counter untouched', () => {
    const p = plan({ id: 'abc-123', nowMs: NOW });
    expect(p.account).toMatchObject({
      id: 'abc-123',
      origin: ORIGIN,
      realm: REALM,
      addedAt: NOW,
      deviceName: BASE,
      kind: 'totp',
      issuer: 'ThingPark Enterprise',
      accountName: 'jane.doe@example.com',
      secret: 'IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE',
      counter: 0,
    });
    expect(plan({ realm: null }).account.realm).toBeNull();
  });

  it('a refused cross-check is passed through, with no plan', () => {
    expect(planEnrollment(input({ evidence: evidence({ hiddenSecret: 'x'.repeat(20) }) }))).toMatchObject({
      ok: false,
      error: { code: 'secret-mismatch' },
    });
    expect(planEnrollment(input({ evidence: evidence({ hiddenSecret: null }) }))).toMatchObject({ ok: false, error: { code: 'no-secret' } });
  });
});

describe('planEnrollment: HOTP', () => {
  it('fills the code for counter N and stores counter N + 1, step N used', () => {
    for (const n of [0, 5]) {
      const uri = kc.buildKeyUri({
        policy: kc.normalizePolicy({ type: 'hotp', initialCounter: n }),
        issuer: 'ThingPark Enterprise',
        account: 'jane.doe@example.com',
        rawSecret: RAW,
      });
      const p = plan({ evidence: evidence({ qrText: uri }) });
      const otp: OtpAccount = { ...p.account, counter: n };
      expect(p.account.kind).toBe('hotp');
      expect(p.code).toBe(codeForStep(otp, n));
      expect(p.code).toBe(kc.hotp({ secret: new TextEncoder().encode(RAW), counter: n }));
      expect(p.account.counter).toBe(n + 1);
      expect(p.account.lastUsedStep).toBe(n);
    }
  });

  it('RFC 4226 secret at counter 3 → 969429', () => {
    const raw = '12345678901234567890';
    const uri = kc.buildKeyUri({
      policy: kc.normalizePolicy({ type: 'hotp', initialCounter: 3 }),
      issuer: 'RFC',
      account: 'test',
      rawSecret: raw,
    });
    const p = plan({ evidence: evidence({ qrText: uri, hiddenSecret: raw }) });
    expect(p.code).toBe('969429');
    expect(p.account.counter).toBe(4);
  });

  it('refuses a counter with no exact successor (2^53-1): storing 2^53 would make the whole vault unreadable', () => {
    const uri = (counter: number) =>
      `otpauth://hotp/ThingPark%20Enterprise:jane?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE&issuer=ThingPark%20Enterprise&counter=${counter}`;
    expect(planEnrollment(input({ evidence: evidence({ qrText: uri(Number.MAX_SAFE_INTEGER) }) }))).toMatchObject({
      ok: false,
      error: { code: 'bad-counter' },
    });
    const last = plan({ evidence: evidence({ qrText: uri(Number.MAX_SAFE_INTEGER - 1) }) });
    expect(last.account.counter).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseVaultData({ version: 1, accounts: [last.account] }).ok).toBe(true);
  });
});

describe('planEnrollment: device names', () => {
  it("avoids names of this user's accounts on the same origin and realm", () => {
    expect(plan({ data: vault(stored({ deviceName: BASE })) }).account.deviceName).toBe(`${BASE} (2)`);
    expect(
      plan({ data: vault(stored({ id: 'a', deviceName: BASE }), stored({ id: 'b', deviceName: `${BASE} (2)` })) }).account.deviceName,
    ).toBe(`${BASE} (3)`);
    // Case-insensitive, as Keycloak users see them.
    expect(plan({ data: vault(stored({ deviceName: BASE.toUpperCase() })) }).account.deviceName).toBe(`${BASE} (2)`);
  });

  it('avoids names Keycloak refused in this tab', () => {
    expect(plan({ refusedNames: [BASE] }).account.deviceName).toBe(`${BASE} (2)`);
    expect(plan({ refusedNames: [BASE, `${BASE} (2)`] }).account.deviceName).toBe(`${BASE} (3)`);
    expect(plan({ data: vault(stored({ deviceName: BASE })), refusedNames: [`${BASE} (2)`] }).account.deviceName).toBe(`${BASE} (3)`);
  });

  it('ignores names used on other origins, other realms or by other users', () => {
    const data = vault(
      stored({ id: 'o', origin: 'https://thingparkenterprise.eu.actility.com' }),
      stored({ id: 'r', realm: 'tpw-users-other-ope' }),
      stored({ id: 'n', realm: null }),
      stored({ id: 'u', accountName: 'bob@example.com' }),
    );
    expect(plan({ data }).account.deviceName).toBe(BASE);
  });

  it('starts from the given base (the user setting)', () => {
    expect(plan({ baseDeviceName: 'Work laptop' }).account.deviceName).toBe('Work laptop');
    expect(plan({ baseDeviceName: 'Work laptop', data: vault(stored({ deviceName: 'work laptop' })) }).account.deviceName).toBe(
      'Work laptop (2)',
    );
  });

  it('does not modify the vault data it was given', () => {
    const data = vault(stored({ deviceName: BASE }));
    const before = structuredClone(data);
    plan({ data });
    expect(data).toEqual(before);
  });
});

describe('addAccount', () => {
  it('appends to a copy and replaces an account with the same id', () => {
    const data = vault(stored({ id: 'a' }));
    const before = structuredClone(data);
    const added = addAccount(data, stored({ id: 'b', deviceName: 'x' }));
    expect(added.accounts.map((a) => a.id)).toEqual(['a', 'b']);
    expect(data).toEqual(before);
    const replaced = addAccount(added, stored({ id: 'a', deviceName: 'renamed' }));
    expect(replaced.accounts.map((a) => [a.id, a.deviceName])).toEqual([
      ['b', 'x'],
      ['a', 'renamed'],
    ]);
    expect(replaced.version).toBe(2);
  });
});
