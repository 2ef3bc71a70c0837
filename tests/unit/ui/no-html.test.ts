/**
 * No code of ours writes HTML from strings: Preact's renderer can (`dangerouslySetInnerHTML`), and
 * addons-linter warns about that code in the bundle (tests/lint-firefox.mjs allows that one
 * warning because of this test). Text always goes through Preact's text nodes or textContent.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.(ts|tsx)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe('HTML from strings', () => {
  it('appears in no component, entrypoint, utility or lib file', () => {
    const files = ['components', 'entrypoints', 'utils', 'lib'].flatMap(sources);
    expect(files.length).toBeGreaterThan(50);
    for (const f of files) {
      const code = readFileSync(join(root, f), 'utf8');
      expect(code.match(/dangerouslySetInnerHTML|\.(?:inner|outer)HTML\s*=|insertAdjacentHTML|document\.write\(/)?.[0] ?? null, f).toBeNull();
    }
  });
});
