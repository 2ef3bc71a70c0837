/**
 * Policies for support teams (lib/settings/policy.ts): what an administrator writes in managed storage is
 * read field by field; a malformed field is ignored and named, never fatal; the settings in force
 * stay within the policy, and a settings change beyond it is refused.
 */
import { describe, expect, it } from 'vitest';
import { effectiveSettings, forbiddenChanges, NO_POLICY, parsePolicy, type Policy } from '../../../lib/settings/policy';
import { AUTO_LOCK_MAX, AUTO_LOCK_MIN, DEFAULT_SETTINGS, type Settings } from '../../../lib/settings/settings';

const policy = (over: Partial<Policy> = {}): Policy => ({ ...NO_POLICY, platforms: [], ...over });
const user = (over: Partial<Settings> = {}): Settings => ({ ...DEFAULT_SETTINGS, ...over });

describe('parsePolicy: nothing set', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty object (Chromium without a policy)', {}],
  ])('%s is no policy and no problem', (_what, raw) => {
    expect(parsePolicy(raw)).toEqual({ policy: NO_POLICY, problems: [] });
  });

  it.each([
    ['a string', 'maxAutoLockMinutes=5'],
    ['a number', 5],
    ['a boolean', true],
    ['an array', [{ maxAutoLockMinutes: 5 }]],
  ])('%s is no policy, reported as not an object', (_what, raw) => {
    expect(parsePolicy(raw)).toEqual({ policy: NO_POLICY, problems: ['(not an object)'] });
  });

  it('never hands out the shared NO_POLICY object (a caller pushing into it would change every policy)', () => {
    const { policy: a } = parsePolicy({});
    a.platforms.push('https://iot.example.net');
    expect(NO_POLICY.platforms).toEqual([]);
    expect(parsePolicy({}).policy.platforms).toEqual([]);
  });
});

describe('parsePolicy: every field set and valid', () => {
  it('reads the whole policy', () => {
    const raw = {
      platforms: ['https://iot.example.net', 'https://tpe.integrator.example:8443/auth/realms/x/account'],
      deviceName: 'Support desk laptop',
      maxAutoLockMinutes: 15,
      autoSubmit: false,
      disablePlainExport: true,
    };
    expect(parsePolicy(raw)).toEqual({
      policy: {
        platforms: ['https://iot.example.net', 'https://tpe.integrator.example:8443'],
        deviceName: 'Support desk laptop',
        maxAutoLockMinutes: 15,
        autoSubmit: false,
        disablePlainExport: true,
      },
      problems: [],
    });
  });

  it('leaves the fields it does not mention to the user', () => {
    expect(parsePolicy({ disablePlainExport: true })).toEqual({ policy: policy({ disablePlainExport: true }), problems: [] });
    expect(parsePolicy({ autoSubmit: true })).toEqual({ policy: policy({ autoSubmit: true }), problems: [] });
  });
});

describe('parsePolicy: platforms', () => {
  it('keeps each platform as its origin, an address without scheme read as https', () => {
    const { policy: p, problems } = parsePolicy({
      platforms: ['iot.example.net', 'https://IOT2.Example.NET/path?q=1#x', 'iot3.example.net:8443', 'http://localhost:8080/auth'],
    });
    expect(p.platforms).toEqual(['https://iot.example.net', 'https://iot2.example.net', 'https://iot3.example.net:8443', 'http://localhost:8080']);
    expect(problems).toEqual([]);
  });

  it('keeps a platform listed twice once (same origin, however spelt), without a problem', () => {
    const { policy: p, problems } = parsePolicy({
      platforms: ['https://iot.example.net', 'https://iot.example.net/', 'IOT.example.net', 'https://iot.example.net.', 'https://iot.example.net:443/x'],
    });
    expect(p.platforms).toEqual(['https://iot.example.net']);
    expect(problems).toEqual([]);
  });

  it('ignores and names each invalid entry by its index, keeping the valid ones', () => {
    const { policy: p, problems } = parsePolicy({
      platforms: [
        'https://iot.example.net',
        'http://iot.example.net', // not https, not localhost
        'not a web address',
        '',
        'ftp://iot.example.net',
        'https://user:pw@iot.example.net',
        'https://*.example.net',
        42,
        null,
        { url: 'https://iot.example.net' },
        'https://ok.example.org',
      ],
    });
    expect(p.platforms).toEqual(['https://iot.example.net', 'https://ok.example.org']);
    expect(problems).toEqual([
      'platforms[1]',
      'platforms[2]',
      'platforms[3]',
      'platforms[4]',
      'platforms[5]',
      'platforms[6]',
      'platforms[7]',
      'platforms[8]',
      'platforms[9]',
    ]);
  });

  it.each([
    ['a string', 'https://iot.example.net'],
    ['an object', { 0: 'https://iot.example.net' }],
    ['a number', 1],
    ['null', null],
  ])('platforms as %s is ignored and named', (_what, platforms) => {
    expect(parsePolicy({ platforms })).toEqual({ policy: NO_POLICY, problems: ['platforms'] });
  });

  it('an empty list is no preset platform and no problem', () => {
    expect(parsePolicy({ platforms: [] })).toEqual({ policy: NO_POLICY, problems: [] });
  });
});

describe('parsePolicy: deviceName', () => {
  it('is trimmed', () => {
    expect(parsePolicy({ deviceName: '  Support desk laptop \n' }).policy.deviceName).toBe('Support desk laptop');
  });

  it('is cut at 64 characters, never through an emoji', () => {
    const name = `${'a'.repeat(63)}🔐🔐`;
    const { policy: p } = parsePolicy({ deviceName: name });
    expect(p.deviceName).toBe(`${'a'.repeat(63)}🔐`);
    expect([...p.deviceName!]).toHaveLength(64);
  });

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['a number', 7],
    ['null', null],
    ['a list', ['Laptop']],
    ['a boolean', true],
  ])('%s is ignored and named', (_what, deviceName) => {
    expect(parsePolicy({ deviceName })).toEqual({ policy: NO_POLICY, problems: ['deviceName'] });
  });
});

describe('parsePolicy: maxAutoLockMinutes', () => {
  it.each([AUTO_LOCK_MIN, 5, 30, AUTO_LOCK_MAX])('%i minutes is kept', (m) => {
    expect(parsePolicy({ maxAutoLockMinutes: m })).toEqual({ policy: policy({ maxAutoLockMinutes: m }), problems: [] });
  });

  it.each([
    ['zero', 0],
    ['negative', -5],
    ['above a day', AUTO_LOCK_MAX + 1],
    ['a fraction', 2.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a numeric string', '5'],
    ['null', null],
    ['a boolean', true],
  ])('%s is ignored and named', (_what, maxAutoLockMinutes) => {
    expect(parsePolicy({ maxAutoLockMinutes })).toEqual({ policy: NO_POLICY, problems: ['maxAutoLockMinutes'] });
  });
});

describe('parsePolicy: autoSubmit and disablePlainExport', () => {
  it.each([true, false])('autoSubmit %s forces it', (autoSubmit) => {
    expect(parsePolicy({ autoSubmit })).toEqual({ policy: policy({ autoSubmit }), problems: [] });
  });

  it.each([true, false])('disablePlainExport %s', (disablePlainExport) => {
    expect(parsePolicy({ disablePlainExport })).toEqual({ policy: policy({ disablePlainExport }), problems: [] });
  });

  it.each([
    ['the string "true"', 'true'],
    ['1', 1],
    ['0', 0],
    ['null', null],
    ['an object', {}],
  ])('%s is not a boolean: ignored and named', (_what, value) => {
    expect(parsePolicy({ autoSubmit: value })).toEqual({ policy: NO_POLICY, problems: ['autoSubmit'] });
    expect(parsePolicy({ disablePlainExport: value })).toEqual({ policy: NO_POLICY, problems: ['disablePlainExport'] });
  });
});

describe('parsePolicy: unknown fields and mixed input', () => {
  it('names unknown fields (a misspelt policy is visible, not silently lost)', () => {
    const { policy: p, problems } = parsePolicy({ maxAutoLockMinute: 5, AutoSubmit: true, disablePlainExport: true, extra: {} });
    expect(p).toEqual(policy({ disablePlainExport: true }));
    expect(problems).toEqual(['maxAutoLockMinute', 'AutoSubmit', 'extra']);
  });

  it('an own "__proto__" key (JSON) changes nothing and is named', () => {
    const raw = JSON.parse('{"__proto__": {"disablePlainExport": true}, "autoSubmit": true}');
    const { policy: p, problems } = parsePolicy(raw);
    expect(p).toEqual(policy({ autoSubmit: true }));
    expect(problems).toEqual(['__proto__']);
  });

  it('keeps every valid field when others are broken', () => {
    const { policy: p, problems } = parsePolicy({
      platforms: ['https://iot.example.net', 'not an address'],
      deviceName: '',
      maxAutoLockMinutes: 10,
      autoSubmit: 'yes',
      disablePlainExport: true,
      colour: 'blue',
    });
    expect(p).toEqual(policy({ platforms: ['https://iot.example.net'], maxAutoLockMinutes: 10, disablePlainExport: true }));
    expect(problems).toEqual(['platforms[1]', 'deviceName', 'autoSubmit', 'colour']);
  });

  it('fields explicitly undefined are as if absent', () => {
    const raw = { platforms: undefined, deviceName: undefined, maxAutoLockMinutes: undefined, autoSubmit: undefined, disablePlainExport: undefined };
    expect(parsePolicy(raw)).toEqual({ policy: NO_POLICY, problems: [] });
  });
});

describe('effectiveSettings', () => {
  it('without a policy, the user’s settings as they are', () => {
    const mine = user({ autoLockMinutes: 120, autoSubmit: true, deviceName: 'Mine' });
    expect(effectiveSettings(mine, NO_POLICY)).toEqual(mine);
  });

  it('a shorter user auto-lock stays; a longer one is cut to the maximum', () => {
    expect(effectiveSettings(user({ autoLockMinutes: 3 }), policy({ maxAutoLockMinutes: 5 })).autoLockMinutes).toBe(3);
    expect(effectiveSettings(user({ autoLockMinutes: 5 }), policy({ maxAutoLockMinutes: 5 })).autoLockMinutes).toBe(5);
    expect(effectiveSettings(user({ autoLockMinutes: 30 }), policy({ maxAutoLockMinutes: 5 })).autoLockMinutes).toBe(5);
  });

  it('a forced autoSubmit wins over the user’s either way', () => {
    expect(effectiveSettings(user({ autoSubmit: false }), policy({ autoSubmit: true })).autoSubmit).toBe(true);
    expect(effectiveSettings(user({ autoSubmit: true }), policy({ autoSubmit: false })).autoSubmit).toBe(false);
    expect(effectiveSettings(user({ autoSubmit: true }), policy({ autoSubmit: null })).autoSubmit).toBe(true);
  });

  it('keeps the user’s own device name (the policy’s is only the default) and does not change its input', () => {
    const mine = user({ deviceName: 'Mine', autoLockMinutes: 30 });
    const out = effectiveSettings(mine, policy({ deviceName: 'Admin name', maxAutoLockMinutes: 5, autoSubmit: true, disablePlainExport: true }));
    expect(out).toEqual({ autoLockMinutes: 5, autoSubmit: true, deviceName: 'Mine' });
    expect(mine).toEqual(user({ deviceName: 'Mine', autoLockMinutes: 30 }));
  });
});

describe('forbiddenChanges', () => {
  const strict = policy({ maxAutoLockMinutes: 5, autoSubmit: true });

  it('nothing is forbidden without a policy', () => {
    expect(forbiddenChanges({ autoLockMinutes: AUTO_LOCK_MAX, autoSubmit: false, deviceName: 'x' }, NO_POLICY)).toEqual([]);
  });

  it('an auto-lock above the maximum is forbidden; at or below it is allowed', () => {
    expect(forbiddenChanges({ autoLockMinutes: 6 }, strict)).toEqual(['autoLockMinutes']);
    expect(forbiddenChanges({ autoLockMinutes: 5 }, strict)).toEqual([]);
    expect(forbiddenChanges({ autoLockMinutes: 1 }, strict)).toEqual([]);
  });

  it('autoSubmit against the forced value is forbidden; the forced value itself is allowed', () => {
    expect(forbiddenChanges({ autoSubmit: false }, strict)).toEqual(['autoSubmit']);
    expect(forbiddenChanges({ autoSubmit: true }, strict)).toEqual([]);
    expect(forbiddenChanges({ autoSubmit: true }, policy({ autoSubmit: false }))).toEqual(['autoSubmit']);
    expect(forbiddenChanges({ autoSubmit: false }, policy({ autoSubmit: null }))).toEqual([]);
  });

  it('names every forbidden field; the device name is always the user’s', () => {
    expect(forbiddenChanges({ autoLockMinutes: 60, autoSubmit: false, deviceName: 'x' }, strict)).toEqual(['autoSubmit', 'autoLockMinutes']);
    expect(forbiddenChanges({ deviceName: 'x' }, policy({ deviceName: 'Admin name' }))).toEqual([]);
  });

  it('fields not in the update are not judged', () => {
    expect(forbiddenChanges({}, strict)).toEqual([]);
    expect(forbiddenChanges({ deviceName: 'x' }, strict)).toEqual([]);
  });
});
