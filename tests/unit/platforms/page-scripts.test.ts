import { describe, expect, it } from 'vitest';
import { manifestContentScripts, pageScriptsRunAt, registeredScripts } from '../../../lib/platforms/page-scripts';
import { THINGPARK_MATCHES } from '../../../lib/platforms/saas-hosts';
import { groupRegistered, scriptIdFor, scriptIdsOf } from '../../../lib/platforms/self-hosted';

/** The one table of page scripts: the manifest and the registration for self-hosted platforms agree. */
describe('page scripts', () => {
  it.each(['chrome', 'firefox'] as const)('a self-hosted platform gets what a SaaS host gets (%s)', (browser) => {
    const manifest = manifestContentScripts(['https://a.thingpark.io/*'], browser);
    const registered = registeredScripts(scriptIdFor('https://iot.example.net'), 'https://iot.example.net/*', browser);
    const asManifest = (r: (typeof registered)[number]) => [r.js[0]!.slice(1), r.runAt, r.matches[0]!.replace('iot.example.net', 'a.thingpark.io')];
    expect(registered.map(asManifest).sort()).toEqual(manifest.map((m) => [m.js[0], m.run_at, m.matches[0]]).sort());
    // Registered as earlier versions did: the setup page's script before the page script, then the early request.
    expect(registered.map((r) => r.js[0])).toEqual(['/qr-reader.js', '/thingpark.js', '/otp-prefetch.js']);
    expect(registered.every((r) => r.persistAcrossSessions)).toBe(true);
  });

  it('the manifest: the early OTP request at document_start, the setup script before the page script, on every SaaS host', () => {
    const chrome = manifestContentScripts(THINGPARK_MATCHES, 'chrome');
    expect(chrome.map((c) => [c.js, c.run_at])).toEqual([
      [['otp-prefetch.js'], 'document_start'],
      [['qr-reader.js'], 'document_end'],
      [['thingpark.js'], 'document_end'],
    ]);
    expect(chrome[0]!.matches).toContain('https://*.thingpark.com/*/login-actions/authenticate*');
    expect(chrome[1]!.matches).toContain('https://*.thingpark.com/*/login-actions/required-action*');
    expect(chrome[2]!.matches).toEqual(THINGPARK_MATCHES);
    expect(manifestContentScripts(THINGPARK_MATCHES, 'firefox').map((c) => c.run_at)).toEqual(['document_start', 'document_idle', 'document_idle']);
    expect(pageScriptsRunAt('firefox')).toBe('document_idle');
  });

  it("a platform's registered ids are the ones groupRegistered counts as complete", () => {
    const id = scriptIdFor('https://iot.example.net');
    const ids = registeredScripts(id, 'https://iot.example.net/*', 'chrome').map((r) => r.id);
    expect([...ids].sort()).toEqual([...scriptIdsOf(id)].sort());
    expect(groupRegistered(ids)).toEqual({ complete: [id], lone: [] });
  });
});
