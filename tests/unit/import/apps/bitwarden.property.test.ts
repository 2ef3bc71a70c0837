/**
 * Property-based tests of lib/import/apps/bitwarden.ts (hostile input: a file the user picked,
 * from anyone). Random valid exports read back to the accounts written into them, in order; files
 * with random field values and damaged text always give a Result (never an exception) with a
 * known error code; a structurally broken file is `damaged` as a whole, never a partial import;
 * every imported URI is one the background accepts. Generators: bitwarden-authenticator.arbitraries.ts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { detectAppFormat, readAppFile } from '../../../../lib/import/apps/app-file';
import { readBitwarden } from '../../../../lib/import/apps/bitwarden';
import { mutated, runs } from '../../property-helpers';
import { bwBroken, bwFileArb, bwHostileFile, checkImported, expectResultShape } from './bitwarden-authenticator.arbitraries';

describe('readBitwarden', { timeout: 120_000 }, () => {
  it('random valid exports read back to the accounts written, in order (1000 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(bwFileArb, async ({ file, expected }) => {
        const r = await readBitwarden(file);
        if (expected.length === 0) {
          expect(r).toMatchObject({ ok: false, error: { code: 'empty', format: 'bitwarden' } });
          return;
        }
        if (!r.ok) throw new Error(`${r.error.code}: ${r.error.detail ?? ''}`);
        expect(r.value.skipped).toEqual([]);
        expect(checkImported(r.value.uris)).toEqual(expected);
      }),
      runs(1000),
    );
  });

  it('hostile items: a Result, damaged exactly when the structure is broken, never partial (2000 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(bwHostileFile, async (file) => {
        const r = await readBitwarden(file);
        expectResultShape(r);
        const encrypted = file.encrypted === true;
        if (encrypted) expect(r).toMatchObject({ ok: false, error: { code: 'encrypted-export' } });
        else if (bwBroken(file)) expect(r).toMatchObject({ ok: false, error: { code: 'damaged', format: 'bitwarden' } });
        else if (r.ok) {
          const withKey = (file.items as Array<Record<string, unknown>>).filter(
            (i) => i.type === 1 && typeof (i.login as Record<string, unknown> | null)?.totp === 'string' && ((i.login as Record<string, unknown>).totp as string).trim() !== '',
          );
          expect(r.value.uris.length + r.value.skipped.length).toBe(withKey.length);
        } else expect(r.error.code).toBe('empty');
      }),
      runs(2000),
    );
  });
});


describe('readAppFile on Bitwarden text', { timeout: 120_000 }, () => {
  it('valid exports are detected as Bitwarden (300 cases)', () => {
    fc.assert(
      fc.property(bwFileArb, ({ file }) => {
        expect(detectAppFormat(file)).toBe('bitwarden');
      }),
      runs(300),
    );
  });

  it('random edits of a valid export: a Result with a known code, all of the file or nothing (2000 cases)', async () => {
    await fc.assert(
      fc.asyncProperty(mutated(bwFileArb.map(({ file }) => JSON.stringify(file, null, 2)), 2), async (text) => {
        const r = await readAppFile(text, null);
        expectResultShape(r);
        if (r.ok && r.value.format === 'bitwarden') expect(bwBroken(JSON.parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>)).toBe(false);
      }),
      runs(2000),
    );
  });
});
