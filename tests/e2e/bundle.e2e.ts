import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { extensionDir } from '../browsers.mjs';
import { KIND } from './harness';

const dir = extensionDir(KIND);
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));

describe(`built extension for ${KIND}`, () => {
  it('no script that runs in a web page carries jsQR: the background reads the QR image', () => {
    type Entry = { matches: string[]; js: string[] };
    // The setup page's script goes only to Keycloak's required-action pages (TOTP setup); every
    // other entry runs on all ThingPark pages and must stay small.
    const setupOnly = (c: Entry) => c.matches.every((m) => m.endsWith('/*/login-actions/required-action*'));
    const setupEntries = (manifest.content_scripts as Entry[]).filter(setupOnly);
    expect(setupEntries.flatMap((c) => c.js)).toEqual(['qr-reader.js']);
    const scripts: string[] = (manifest.content_scripts as Entry[]).filter((c) => !setupOnly(c)).flatMap((c) => c.js);
    // The OTP pages' early request for their code (Keycloak's login-actions/authenticate pages
    // only, at document_start), then the page script everywhere.
    expect(scripts).toEqual(['otp-prefetch.js', 'thingpark.js']);
    const early = (manifest.content_scripts as (Entry & { run_at: string })[]).find((c) => c.js.includes('otp-prefetch.js'))!;
    expect(early.run_at).toBe('document_start');
    for (const m of early.matches) expect(m).toMatch(/\/\*\/login-actions\/authenticate\*$/);
    // Strings only jsQR contains (its Reed-Solomon decoder and finder-pattern search).
    const jsQr = /alignmentPatternCenters|bottomRightAlignmentPattern/;
    for (const file of [...scripts, 'qr-reader.js', 'generic-fill.js']) {
      const code = readFileSync(join(dir, file), 'utf8');
      expect(code.match(jsQr)?.[0] ?? null, file).toBeNull();
      const gz = gzipSync(code).length;
      console.log(`${file}: ${code.length} bytes minified, ${gz} gzipped`);
    }
    expect(readFileSync(join(dir, 'background.js'), 'utf8')).toMatch(jsQr);
  });

  it("the popup's first load is its interface only: no account parsers, no file readers, no Add-account view, no jsQR", () => {
    // What popup.html loads before its first render: its scripts and the modules it preloads
    // (Vite lists every static import there). The Add-account view, with the parsers of
    // otpauth:// links and exports, and the QR reader load later (components/popup/Popup.tsx).
    const html = readFileSync(join(dir, 'popup.html'), 'utf8');
    const files = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/?([^"]+\.js)"/g)].map((m) => m[1]!);
    expect(files).toContain('popup-start.js');
    expect(files.some((f) => f.startsWith('chunks/popup-'))).toBe(true);
    let bytes = 0;
    for (const file of files) {
      const code = readFileSync(join(dir, file), 'utf8');
      bytes += code.length;
      // Nor the other apps' file readers (with scrypt), which load when a file is picked.
      expect(code, file).not.toMatch(/must be totp or hotp|otpauth-migration|alignmentPatternCenters|servicesEncrypted|scrypt/);
    }
    console.log(`popup's first load: ${files.join(', ')}: ${bytes} bytes minified`);
  });

  it('asks for no more than it needs', () => {
    expect([...manifest.permissions].sort()).toEqual(['activeTab', 'alarms', 'contextMenus', 'scripting', 'storage']);
    expect(manifest.externally_connectable).toBeUndefined();
    expect(manifest.web_accessible_resources ?? []).toEqual([]);
    const csp = manifest.content_security_policy?.extension_pages ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline|https?:/);
    // Nothing in the build loads code from elsewhere.
    for (const file of readdirSync(dir, { recursive: true }) as string[]) {
      if (!file.endsWith('.js') || !statSync(join(dir, file)).isFile()) continue;
      const code = readFileSync(join(dir, file), 'utf8');
      expect(code, file).not.toMatch(/\beval\(|new Function\(/);
    }
  });
  it('reaches only the ThingPark hosts, from top frames only, under a CSP without eval or remote code', () => {
    // Granted at install: the ThingPark SaaS hosts, over https. Anything broader is optional
    // (one host at a time, asked from the user's click: lib/platforms/self-hosted.ts).
    const thingpark = /^https:\/\/(\*\.)?([a-z0-9-]+\.)*(thingpark\.io|thingpark\.com|actility\.com)\/\*$/;
    expect(manifest.host_permissions.length).toBeGreaterThan(0);
    for (const pattern of manifest.host_permissions) expect(pattern).toMatch(thingpark);
    expect(JSON.stringify([manifest.permissions, manifest.host_permissions])).not.toMatch(/<all_urls>|\*:\/\/|:\/\/\*\/|"tabs"|webRequest|debugger|nativeMessaging/);
    // The content scripts: the same hosts (the QR reader only on their Keycloak required-action
    // pages), top frames only, in their isolated world.
    const setupPages = /^https:\/\/(\*\.)?([a-z0-9-]+\.)*(thingpark\.io|thingpark\.com|actility\.com)\/\*\/login-actions\/required-action\*$/;
    const otpPages = /^https:\/\/(\*\.)?([a-z0-9-]+\.)*(thingpark\.io|thingpark\.com|actility\.com)\/\*\/login-actions\/authenticate\*$/;
    for (const script of manifest.content_scripts) {
      const where = script.js.includes('qr-reader.js') ? setupPages : script.js.includes('otp-prefetch.js') ? otpPages : thingpark;
      for (const pattern of script.matches) expect(pattern).toMatch(where);
      expect(script.all_frames ?? false).toBe(false);
      expect(script.match_about_blank ?? false).toBe(false);
      expect(script.match_origin_as_fallback ?? false).toBe(false);
      expect(script.world ?? 'ISOLATED').toBe('ISOLATED');
    }
    // The extension pages' CSP, directive by directive: our own scripts only, no plugins.
    const csp = manifest.content_security_policy ?? {};
    expect(Object.keys(csp)).toEqual(['extension_pages']);
    const directives = new Map<string, string[]>(
      csp.extension_pages
        .split(';')
        .map((d: string) => d.trim().split(/\s+/))
        .filter((d: string[]) => d[0])
        .map(([name, ...values]: string[]) => [name!, values]),
    );
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    for (const [name, values] of directives) {
      for (const v of values) expect(v, name).not.toMatch(/^\*|:$|^https?:|^(data|blob|filesystem):|unsafe|^'strict-dynamic'$|^'(nonce|sha\d+)-/);
    }
  });

  it('page-facing scripts listen to no window messages, and our own code writes no HTML', () => {
    // What runs in web pages: the content script, the setup page's script and the generic filler.
    const pageScripts = [...manifest.content_scripts.flatMap((c: { js: string[] }) => c.js), 'qr-reader.js', 'generic-fill.js'];
    for (const file of pageScripts) {
      const code = readFileSync(join(dir, file), 'utf8');
      expect(code.match(/addEventListener\(\s*[`'"]message[`'"]|\bonmessage\s*=/)?.[0] ?? null, file).toBeNull();
    }
    // Our sources never build HTML from strings (web-ext lint's UNSAFE_VAR_ASSIGNMENT and friends).
    const sources = ['lib', 'components', 'utils', 'entrypoints'].flatMap((d) =>
      (readdirSync(d, { recursive: true }) as string[]).filter((f) => /\.tsx?$/.test(f)).map((f) => join(d, f)),
    );
    expect(sources.length).toBeGreaterThan(10);
    for (const file of sources) {
      const html = /innerHTML|outerHTML|insertAdjacentHTML|dangerouslySetInnerHTML|document\.write|srcdoc|\beval\(|new Function\(/;
      expect(readFileSync(file, 'utf8').match(html)?.[0] ?? null, file).toBeNull();
    }
    // The built files' only HTML assignment is Preact's support for dangerouslySetInnerHTML,
    // which we never use: the one warning `web-ext lint` reports.
    for (const file of readdirSync(dir, { recursive: true }) as string[]) {
      if (!file.endsWith('.js') || !statSync(join(dir, file)).isFile()) continue;
      const code = readFileSync(join(dir, file), 'utf8');
      expect(code.match(/outerHTML\s*=[^=]|insertAdjacentHTML|document\.write/)?.[0] ?? null, file).toBeNull();
      for (const m of code.matchAll(/\.innerHTML\s*=(?!=)\s*([^,;)}]+)/g)) expect(m[1], file).toMatch(/^[\w$]+\.__html$/);
    }
  });
});
