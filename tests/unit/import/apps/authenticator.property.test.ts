/**
 * Property-based tests of lib/import/apps/authenticator.ts (hostile input: a file the user picked,
 * from anyone). Random valid backups read back to the accounts written into them, in the
 * extension's order; backups with random field values, random JSON and damaged text always give
 * a Result (never an exception) with a known error code; a structurally broken file is `damaged`
 * as a whole, never a partial import; every imported URI is one the background accepts.
 * Generators: bitwarden-authenticator.arbitraries.ts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { detectAppFormat, readAppFile } from '../../../../lib/import/apps/app-file';
import { readAuthenticator } from '../../../../lib/import/apps/authenticator';
import { mutated, runs } from '../../property-helpers';
import { authBroken, authFileArb, authHostileFile, checkImported, expectResultShape } from './bitwarden-authenticator.arbitraries';

describe('readAuthenticator', { timeout: 120_000 }, () => {
  it('random valid backups read back to the accounts written, in index order (1000 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(authFileArb, async ({ file, cases }) => {
        const r = await readAuthenticator(file);
        const accounts = cases.flatMap((c) => (c.expected.ok ? [c.expected.account] : []));
        if (accounts.length === 0) {
          expect(r).toMatchObject({ ok: false, error: { code: 'encrypted-export', format: 'authenticator' } });
          return;
        }
        if (!r.ok) throw new Error(`${r.error.code}: ${r.error.detail ?? ''}`);
        expect(checkImported(r.value.uris)).toEqual(accounts);
        expect(r.value.skipped).toEqual(cases.flatMap((c) => (c.expected.ok ? [] : [{ name: c.expected.name, issuer: c.expected.issuer, reason: 'encrypted' }])));
      }),
      runs(1000),
    );
  });

  it('hostile entries: a Result, damaged exactly when the structure is broken, never partial (2000 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(authHostileFile, async (file) => {
        const r = await readAuthenticator(file);
        expectResultShape(r);
        if (authBroken(file)) expect(r).toMatchObject({ ok: false, error: { code: 'damaged', format: 'authenticator' } });
        else if (r.ok) {
          const entries = Object.entries(file).filter(([k, v]) => !['key', 'UserSettings', 'LocalStorage'].includes(k) && (v as Record<string, unknown>).dataType !== 'Key');
          expect(r.value.uris.length + r.value.skipped.length).toBe(entries.length);
        } else expect(['empty', 'encrypted-export']).toContain(r.error.code);
      }),
      runs(2000),
    );
  });
});


describe('readAppFile on Authenticator text and on any JSON', { timeout: 120_000 }, () => {
  it('valid backups are detected as Authenticator backups (300 cases)', () => {
    fc.assert(
      fc.property(authFileArb, ({ file }) => {
        expect(detectAppFormat(file)).toBe('authenticator');
      }),
      runs(300),
    );
  });

  it('random edits of a valid backup: a Result with a known code, all of the file or nothing (2000 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(authFileArb.map(({ file }) => JSON.stringify(file, null, 2)), 2), async (text) => {
        const r = await readAppFile(text, null);
        expectResultShape(r);
        if (r.ok && r.value.format === 'authenticator') expect(authBroken(JSON.parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>)).toBe(false);
      }),
      runs(2000),
    );
  });

  it('random JSON: a Result with a known code (1000 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
        expectResultShape(await readAppFile(JSON.stringify(value) ?? 'null', null));
      }),
      runs(1000),
    );
  });
});
