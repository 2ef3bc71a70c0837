#!/usr/bin/env node
// Regenerates the .d.mts declarations of the simulator modules from their JSDoc (and type-checks
// them with checkJs), so TypeScript tests can import the .mjs files under `strict`.
//   node tests/simulator/gen-types.mjs

import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
execFileSync(join(root, 'node_modules', '.bin', 'tsc'), [
  '--ignoreConfig', '--allowJs', '--checkJs', '--declaration', '--emitDeclarationOnly',
  '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
  '--strict', '--noUncheckedIndexedAccess', '--skipLibCheck', '--types', 'node',
  '--rootDir', here, '--outDir', here,
  join(here, 'server.mjs'), join(here, 'qrdecode.mjs'),
], { stdio: 'inherit', cwd: root });
