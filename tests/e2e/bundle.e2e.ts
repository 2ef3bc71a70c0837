import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { extensionDir } from '../browsers.mjs';
import { KIND } from './harness';

const dir = extensionDir(KIND);
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));

describe(`built extension for ${KIND}`, () => {
  it('the content script that runs on every ThingPark page does not carry jsQR', () => {
    type Entry = { matches: string[]; js: string[] };
    // The QR reader goes only to Keycloak's required-action pages (TOTP setup); every other
    // entry runs on all ThingPark pages and must stay small.
    const setupOnly = (c: Entry) => c.matches.every((m) => m.endsWith('/*/login-actions/required-action*'));
    const setupEntries = (manifest.content_scripts as Entry[]).filter(setupOnly);
    expect(setupEntries.flatMap((c) => c.js)).toEqual(['qr-reader.js']);
    const scripts: string[] = (manifest.content_scripts as Entry[]).filter((c) => !setupOnly(c)).flatMap((c) => c.js);
    expect(scripts).toEqual(['thingpark.js']);
    for (const file of scripts) {
      const code = readFileSync(join(dir, file), 'utf8');
      // Strings only jsQR contains (its Reed-Solomon decoder and finder-pattern search).
      expect(code).not.toMatch(/alignmentPatternCenters|bottomRightAlignmentPattern/);
      const gz = gzipSync(code).length;
      console.log(`${file}: ${code.length} bytes minified, ${gz} gzipped`);
    }
    // jsQR is in the script injected into setup pages only.
    expect(readFileSync(join(dir, 'qr-reader.js'), 'utf8')).toMatch(/alignmentPatternCenters|bottomRightAlignmentPattern/);
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
});
