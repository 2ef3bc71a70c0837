/**
 * Self-hosted platform rules (lib/platforms/self-hosted.ts): what the user may type as a platform address,
 * the match pattern we ask the browser for, which hosts are already built in, and what survives
 * from storage.
 */
import { describe, expect, it } from 'vitest';
import {
  findSameHost,
  isBuiltIn,
  matchPatternFor,
  parsePlatformUrl,
  parseStoredPlatforms,
  scriptIdFor,
  otpScriptIdOf,
  groupRegistered,
  scriptIdsOf,
  setupScriptIdOf,
  type StoredPlatform,
} from '../../../lib/platforms/self-hosted';
import { THINGPARK_MATCHES } from '../../../lib/platforms/saas-hosts';

describe('parsePlatformUrl', () => {
  it.each([
    ['https://iot.example.net', 'https://iot.example.net'],
    ['https://iot.example.net/', 'https://iot.example.net'],
    ['https://iot.example.net/thingpark/wireless/dashboard?x=1&y=2#top', 'https://iot.example.net'],
    ['https://iot.example.net:8443/auth/realms/x/login', 'https://iot.example.net:8443'],
    // The default port is not part of the origin.
    ['https://iot.example.net:443/a', 'https://iot.example.net'],
    ['HTTPS://IOT.Example.NET/Path', 'https://iot.example.net'],
    ['  https://iot.example.net/  ', 'https://iot.example.net'],
    // Pasted from an e-mail: no scheme means https.
    ['iot.example.net', 'https://iot.example.net'],
    ['iot.example.net/thingpark', 'https://iot.example.net'],
    ['iot.example.net:8443', 'https://iot.example.net:8443'],
    ['iot.example.net:8443/auth', 'https://iot.example.net:8443'],
    ['192.168.1.10:8443', 'https://192.168.1.10:8443'],
    ['https://192.168.1.10', 'https://192.168.1.10'],
    // Loopback may use http, for a platform running on one's own machine.
    ['http://localhost', 'http://localhost'],
    ['http://localhost:3000/app', 'http://localhost:3000'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
    ['http://127.1/', 'http://127.0.0.1'],
    ['localhost:3000', 'https://localhost:3000'],
    // IDN hosts become their punycode (ASCII) origin, as the browser reports them.
    ['https://bücher.example/login', 'https://xn--bcher-kva.example'],
    ['bücher.example', 'https://xn--bcher-kva.example'],
    // A trailing dot names the same DNS host: dropped, so it cannot pose as another platform.
    ['https://iot.example.net./', 'https://iot.example.net'],
    ['iot.example.net.:8443', 'https://iot.example.net:8443'],
    ['http://localhost./', 'http://localhost'],
  ])('%j → %s', (input, origin) => {
    expect(parsePlatformUrl(input)).toEqual({ ok: true, value: origin });
  });

  it.each([
    'http://iot.example.net',
    'http://iot.example.net:8080/login',
    'http://192.168.1.10',
    'http://localhost.example.com',
    'http://127.0.0.1.nip.io',
    // The manifest's optional host permissions name localhost and 127.0.0.1 only.
    'http://[::1]:8080/x',
  ])('%j is not-https', (input) => {
    expect(parsePlatformUrl(input)).toMatchObject({ ok: false, error: { code: 'not-https' } });
  });

  it.each([
    '',
    '   ',
    'https://user:pass@iot.example.net',
    'https://user@iot.example.net',
    'javascript:alert(1)',
    'javascript:alert(document.cookie)//iot.example.net',
    'ftp://iot.example.net',
    'file:///etc/passwd',
    'data:text/html,hello',
    'mailto:admin@iot.example.net',
    'chrome-extension://abcdef/options.html',
    'not a url at all',
    'https://',
    'https://exa mple.com',
    // Allowed in a host by the URL standard (so Node parses them) but no host name.
    'https://iot!.example.net',
    "https://a(b)'c.example",
    'https://iot.example.net,evil.example',
    'https://iot.example.net:99999',
    '::::',
    'https://*.example.com',
    '*.example.com',
    'https://./',
    'https://iot.example.net../',
  ])('%j is invalid-url', (input) => {
    const parsed = parsePlatformUrl(input);
    expect(parsed).toMatchObject({ ok: false, error: { code: 'invalid-url' } });
    // The detail is for logs: it never echoes the input (which could hold a password).
    if (!parsed.ok && input.includes('pass')) expect(parsed.error.detail).not.toContain('pass@');
  });
});

describe('matchPatternFor', () => {
  it.each([
    ['https://iot.example.net', 'https://iot.example.net/*'],
    // Firefox match patterns cannot name a port: the pattern covers every port of the host.
    ['https://iot.example.net:8443', 'https://iot.example.net/*'],
    ['http://localhost:3000', 'http://localhost/*'],
    ['http://[::1]:8080', 'http://[::1]/*'],
    ['https://xn--bcher-kva.example', 'https://xn--bcher-kva.example/*'],
  ])('%s → %s', (origin, pattern) => {
    expect(matchPatternFor(origin)).toBe(pattern);
  });

  it('names the registered script after the pattern (one script per host)', () => {
    expect(scriptIdFor('https://iot.example.net:8443')).toBe('platform:https://iot.example.net/*');
    expect(scriptIdFor('https://iot.example.net')).toBe(scriptIdFor('https://iot.example.net:8443'));
  });
});

describe('isBuiltIn', () => {
  /** A host that each built-in pattern covers, and its bare domain for the `*.` ones. */
  const covered = THINGPARK_MATCHES.flatMap((pattern) => {
    const host = pattern.replace(/^https:\/\//, '').replace(/\/\*$/, '');
    return host.startsWith('*.') ? [`https://${host.slice(2)}`, `https://eu1.${host.slice(2)}`, `https://a.b.${host.slice(2)}`] : [`https://${host}`];
  });

  it('knows the patterns of lib/platforms/saas-hosts.ts', () => {
    expect(THINGPARK_MATCHES.length).toBeGreaterThan(0);
    expect(covered).toContain('https://community.thingpark.io');
  });

  it.each(covered)('%s is built in (any port)', (origin) => {
    expect(isBuiltIn(origin)).toBe(true);
    expect(isBuiltIn(`${origin}:8443`)).toBe(true);
  });

  it.each([
    'https://evilthingpark.io',
    'https://evilthingpark.com',
    'https://thingpark.io.evil.com',
    'https://community.thingpark.io.evil.com',
    'https://thingpark-io.com',
    'https://actility.com.example.net',
    'https://notactility.com',
    'https://thingpark.net',
    'https://iot.example.net',
    'http://community.thingpark.io',
    'http://eu1.thingpark.com',
  ])('%s is not built in', (origin) => {
    expect(isBuiltIn(origin)).toBe(false);
  });

  it('a built-in host typed with a trailing dot is still built in', () => {
    const parsed = parsePlatformUrl('https://community.thingpark.io./');
    expect(parsed.ok && isBuiltIn(parsed.value)).toBe(true);
  });
});

describe('findSameHost', () => {
  const platforms: StoredPlatform[] = [
    { origin: 'https://iot.example.net:8443', addedAt: 1 },
    { origin: 'http://localhost:3000', addedAt: 2 },
  ];

  it('finds a platform on the same host, whatever the port', () => {
    expect(findSameHost(platforms, 'https://iot.example.net')).toBe(platforms[0]);
    expect(findSameHost(platforms, 'https://iot.example.net:9443')).toBe(platforms[0]);
    expect(findSameHost(platforms, 'http://localhost:4000')).toBe(platforms[1]);
  });

  it('does not mix up other hosts, subdomains or schemes', () => {
    expect(findSameHost(platforms, 'https://eu.iot.example.net')).toBeUndefined();
    expect(findSameHost(platforms, 'https://example.net')).toBeUndefined();
    expect(findSameHost(platforms, 'https://localhost:3000')).toBeUndefined();
    expect(findSameHost([], 'https://iot.example.net')).toBeUndefined();
  });
});

describe('parseStoredPlatforms', () => {
  it('keeps well-formed entries in order', () => {
    const stored = [
      { origin: 'https://iot.example.net', addedAt: 10 },
      { origin: 'http://localhost:3000', addedAt: 20 },
    ];
    expect(parseStoredPlatforms(stored)).toEqual(stored);
  });

  it('drops only extra fields, never keeps them', () => {
    expect(parseStoredPlatforms([{ origin: 'https://iot.example.net', addedAt: 1, script: 'evil' }])).toEqual([
      { origin: 'https://iot.example.net', addedAt: 1 },
    ]);
  });

  it.each([undefined, null, 'https://iot.example.net', 42, {}, { origin: 'https://iot.example.net', addedAt: 1 }])(
    'anything but an array (%j) is no platforms',
    (raw) => {
      expect(parseStoredPlatforms(raw)).toEqual([]);
    },
  );

  it('drops malformed entries', () => {
    const good = { origin: 'https://good.example.net', addedAt: 5 };
    const raw = [
      null,
      'https://iot.example.net',
      [],
      { origin: 'https://iot.example.net' },
      { origin: 'https://iot.example.net', addedAt: '5' },
      { origin: 42, addedAt: 5 },
      { origin: 'http://iot.example.net', addedAt: 5 }, // not https
      { origin: 'https://iot.example.net/', addedAt: 5 }, // not an exact origin
      { origin: 'https://IOT.example.net', addedAt: 5 }, // not canonical
      { origin: 'iot.example.net', addedAt: 5 },
      { origin: 'https://u:p@iot.example.net', addedAt: 5 },
      { origin: 'javascript:alert(1)', addedAt: 5 },
      { origin: '', addedAt: 5 },
      good,
    ];
    expect(parseStoredPlatforms(raw)).toEqual([good]);
  });

  it('drops a second entry for the same host (same origin, or another port)', () => {
    const raw = [
      { origin: 'https://iot.example.net', addedAt: 1 },
      { origin: 'https://iot.example.net', addedAt: 2 },
      { origin: 'https://iot.example.net:8443', addedAt: 3 },
      { origin: 'https://other.example.net', addedAt: 4 },
    ];
    expect(parseStoredPlatforms(raw)).toEqual([
      { origin: 'https://iot.example.net', addedAt: 1 },
      { origin: 'https://other.example.net', addedAt: 4 },
    ]);
  });
});

describe('groupRegistered', () => {
  const a = scriptIdFor('https://a.example.net');
  const b = scriptIdFor('https://b.example.net');
  it('a platform counts when its page script, its QR reader and its early OTP request are all registered', () => {
    expect(groupRegistered([setupScriptIdOf(a), a, otpScriptIdOf(a), 'someone-else'])).toEqual({ complete: [a], lone: [] });
    expect(scriptIdsOf(a)).toEqual([a, setupScriptIdOf(a), otpScriptIdOf(a)]);
  });
  it('a platform missing one of them (an older version registered fewer) is lone, to be registered again whole', () => {
    // This version's predecessor: the page script and the QR reader, no early OTP request.
    expect(groupRegistered([setupScriptIdOf(a), a])).toEqual({ complete: [], lone: [setupScriptIdOf(a), a] });
    expect(groupRegistered([a, setupScriptIdOf(b), otpScriptIdOf(b)])).toEqual({ complete: [], lone: [a, setupScriptIdOf(b), otpScriptIdOf(b)] });
    expect(groupRegistered([...scriptIdsOf(a), otpScriptIdOf(b)])).toEqual({ complete: [a], lone: [otpScriptIdOf(b)] });
  });
  it('ignores ids that are not platforms', () => {
    expect(groupRegistered(['defences-all-frames', 'x:setup', 'x:otp'])).toEqual({ complete: [], lone: [] });
  });
});
