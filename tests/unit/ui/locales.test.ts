/**
 * The `_locales` catalogues: English and French must stay in step, follow Chrome's rules for
 * message files, and hold every key the UI asks for (including one per error code).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (...parts: string[]): string => readFileSync(join(root, ...parts), 'utf8');

interface Placeholder {
  content: string;
  example?: string;
}
interface Entry {
  message: string;
  description?: string;
  placeholders?: Record<string, Placeholder>;
}
type Catalogue = Record<string, Entry>;

const LOCALES = ['en', 'fr'] as const;
const catalogues: Record<(typeof LOCALES)[number], Catalogue> = {
  en: JSON.parse(read('public', '_locales', 'en', 'messages.json')) as Catalogue,
  fr: JSON.parse(read('public', '_locales', 'fr', 'messages.json')) as Catalogue,
};
const en = catalogues.en;
const fr = catalogues.fr;

/** Chrome: names of messages and placeholders use only these characters (case-insensitive). */
const NAME = /^[A-Za-z0-9_@]+$/;

/** `$NAME$` references in a message (`$$` is a literal dollar sign and `$1` a raw substitution). */
function referencedPlaceholders(message: string): string[] {
  const withoutEscapes = message.replace(/\$\$/g, '');
  return [...withoutEscapes.matchAll(/\$([A-Za-z0-9_@]+)\$/g)].map((m) => m[1]!.toLowerCase());
}

/** Placeholder name (lower case, as Chrome matches them) → content. */
function placeholderMap(entry: Entry): Record<string, string> {
  return Object.fromEntries(
    Object.entries(entry.placeholders ?? {}).map(([name, p]) => [name.toLowerCase(), p.content]),
  );
}

/** Source files of the UI, recursively, with the given extensions. */
function sourceFiles(dir: string, exts: string[]): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(rel, exts));
    else if (exts.some((e) => entry.name.endsWith(e))) out.push(rel);
  }
  return out;
}

/** String-literal members of `export type <name> = ...;`, following named types in `files`. */
function unionMembers(typeName: string, files: string[]): string[] {
  for (const file of files) {
    const match = new RegExp(`export type ${typeName}\\s*=([^;]*);`).exec(read(file));
    if (!match) continue;
    const members: string[] = [];
    for (const part of match[1]!.split('|').map((s) => s.trim()).filter(Boolean)) {
      const literal = /^'([^']+)'$/.exec(part);
      if (literal) members.push(literal[1]!);
      else if (/^[A-Za-z_]\w*$/.test(part)) members.push(...unionMembers(part, files));
      else throw new Error(`cannot read union member ${part} of ${typeName}`);
    }
    return members;
  }
  throw new Error(`type ${typeName} not found`);
}

describe('locale catalogues', () => {
  it('English and French have exactly the same keys', () => {
    expect(Object.keys(fr).sort()).toEqual(Object.keys(en).sort());
    expect(Object.keys(en).length).toBeGreaterThan(10);
  });

  it("key and placeholder names follow Chrome's rule", () => {
    for (const locale of LOCALES) {
      for (const [key, entry] of Object.entries(catalogues[locale])) {
        expect(key, `${locale}: ${key}`).toMatch(NAME);
        expect(key.startsWith('@@'), `${locale}: ${key} uses the reserved @@ prefix`).toBe(false);
        for (const name of Object.keys(entry.placeholders ?? {})) {
          expect(name, `${locale}: ${key} placeholder ${name}`).toMatch(NAME);
        }
      }
    }
  });

  it('keys are unique ignoring case (Chrome treats names case-insensitively)', () => {
    for (const locale of LOCALES) {
      const lower = Object.keys(catalogues[locale]).map((k) => k.toLowerCase());
      expect(new Set(lower).size, locale).toBe(lower.length);
    }
  });

  it('every message is a non-empty string', () => {
    for (const locale of LOCALES) {
      for (const [key, entry] of Object.entries(catalogues[locale])) {
        expect(typeof entry.message, `${locale}: ${key}`).toBe('string');
        expect(entry.message.trim(), `${locale}: ${key}`).not.toBe('');
      }
    }
  });

  it('each key has identical placeholders in both languages', () => {
    for (const key of Object.keys(en)) {
      expect(placeholderMap(fr[key]!), key).toEqual(placeholderMap(en[key]!));
    }
  });

  it('every $NAME$ in a message is declared, and every declared placeholder is used', () => {
    for (const locale of LOCALES) {
      for (const [key, entry] of Object.entries(catalogues[locale])) {
        const declared = Object.keys(placeholderMap(entry));
        const used = referencedPlaceholders(entry.message);
        for (const name of used) expect(declared, `${locale}: ${key} uses $${name}$`).toContain(name);
        for (const name of declared) expect(used, `${locale}: ${key} declares ${name}`).toContain(name);
        for (const [name, p] of Object.entries(entry.placeholders ?? {})) {
          expect(typeof p.content, `${locale}: ${key} placeholder ${name}`).toBe('string');
        }
      }
    }
  });
});

describe('keys used by the code exist', () => {
  const files = ['components', 'utils', 'entrypoints'].flatMap((dir) => sourceFiles(dir, ['.ts', '.tsx']));

  it("every t('…') key in components, utils and entrypoints exists", () => {
    const used = new Set<string>();
    for (const file of files) {
      for (const m of read(file).matchAll(/\bt\(\s*'([A-Za-z0-9_@]+)'/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(10); // the scan found the UI's strings
    for (const key of used) expect(Object.keys(en), `t('${key}')`).toContain(key);
  });

  it('every __MSG_…__ in the manifest config and HTML pages exists', () => {
    const sources = ['wxt.config.ts', ...sourceFiles('entrypoints', ['.html'])];
    const used = new Set<string>();
    for (const file of sources) {
      for (const m of read(file).matchAll(/__MSG_([A-Za-z0-9_@]+)__/g)) used.add(m[1]!);
    }
    expect(used.has('extName')).toBe(true);
    for (const key of used) expect(Object.keys(en), `__MSG_${key}__`).toContain(key);
  });

  it('every AppErrorCode has an error_<code> message (what errorText shows)', () => {
    const codes = unionMembers('AppErrorCode', ['lib/protocol/errors.ts', 'lib/vault/envelope.ts', 'lib/keycloak/setup-check.ts', 'lib/otp/otp.ts']);
    // Sanity: the parse followed VaultErrorCode and read the protocol's own codes.
    expect(codes).toEqual(expect.arrayContaining(['wrong-passphrase', 'not-a-vault', 'forbidden', 'internal']));
    expect(read('utils/i18n.ts')).toMatch(/`error_\$\{error\.code\.replace\(\/-\/g, '_'\)\}`/);
    for (const code of codes) {
      const key = `error_${code.replace(/-/g, '_')}`;
      expect(Object.keys(en), `${code} → ${key}`).toContain(key);
    }
  });

  it('every reason an entry is skipped, and every reason a file cannot be imported, has its message', () => {
    const reasons = unionMembers('SkipReason', ['lib/import/skipped.ts']);
    expect(reasons).toEqual(expect.arrayContaining(['md5', 'bad-period', 'encrypted']));
    for (const r of reasons) expect(Object.keys(en), r).toContain(`addReason_${r.replace(/-/g, '_')}`);
    const codes = unionMembers('AppFileErrorCode', ['lib/import/apps/app-file.ts']);
    expect(codes).toEqual(expect.arrayContaining(['wrong-password', 'encrypted-export', 'too-large']));
    expect(read('components/popup/add/app-file.ts')).toMatch(/`addErrFile_\$\{code\.replace\(\/-\/g, '_'\)\}`/);
    for (const c of codes) expect(Object.keys(en), c).toContain(`addErrFile_${c.replace(/-/g, '_')}`);
  });
});
