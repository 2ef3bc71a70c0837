#!/usr/bin/env node
// Starts the ThingPark/Keycloak login simulator and prints its URLs and demo credentials.
//   node tests/simulator/cli.mjs [--port N] [--https] [--host H] [--clock-offset MS]

import { createSimulator, DEFAULT_REALM, DEMO_PASSWORD, FIXED_DEVICES } from './server.mjs';

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{port: number|undefined, https: boolean, host: string, clockOffsetMs: number}} */
  const o = { port: undefined, https: false, host: '127.0.0.1', clockOffsetMs: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--https') o.https = true;
    else if (a === '--port') o.port = Number(next());
    else if (a?.startsWith('--port=')) o.port = Number(a.slice(7));
    else if (a === '--host') o.host = next();
    else if (a === '--clock-offset') o.clockOffsetMs = Number(next());
    else if (a === '--help' || a === '-h') {
      console.log('usage: node tests/simulator/cli.mjs [--port N] [--https] [--host H] [--clock-offset MS]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port >= 0 && o.port < 65536)) throw new Error('bad --port');
  return o;
}

const args = parseArgs(process.argv.slice(2));
const sim = await createSimulator({
  port: args.port ?? (args.https ? 8443 : 8080), https: args.https, host: args.host, clockOffsetMs: args.clockOffsetMs,
});

const lines = [
  `ThingPark/Keycloak login simulator on ${sim.origin}`,
  '',
  `  Login (classic, /auth):   ${sim.loginUrl(DEFAULT_REALM)}`,
  `  Login (v2 login page):    ${sim.loginUrl(DEFAULT_REALM, { theme: 'v2' })}`,
  `  Login (newer /realms):    ${sim.loginUrl(DEFAULT_REALM, { kcPath: '' })}`,
  `  SHA256 realm:             ${sim.loginUrl('tpw-users-sha256-ope')}`,
  `  HOTP realm:               ${sim.loginUrl('tpw-users-hotp-ope')}`,
  `  Dashboard:                ${sim.origin}/tpe/`,
  `  Control (not Keycloak):   GET ${sim.origin}/__sim/state, POST /__sim/reset, POST /__sim/clock?offsetMs=N`,
  '',
  `  Password for every user: ${DEMO_PASSWORD}`,
  '',
];
for (const u of sim.users) {
  const devs = u.devices.length ? u.devices.map((d) => `"${d.label}"`).join(', ') : 'no device';
  lines.push(`  ${u.username.padEnd(24)} ${u.realm.padEnd(28)} ${u.theme.padEnd(8)} ${devs.padEnd(24)} ${u.purpose}`);
}
lines.push('', '  Fixed device secrets (base32):');
for (const [name, d] of Object.entries(FIXED_DEVICES)) lines.push(`    ${name.padEnd(18)} ${d.secretBase32}  (${d.label})`);
if (sim.cert) {
  lines.push('', `  Self-signed cert, SPKI sha256 (for Chrome --ignore-certificate-errors-spki-list): ${sim.cert.spkiSha256}`);
  lines.push('  Map the ThingPark hosts with e.g. --host-resolver-rules="MAP community.thingpark.io 127.0.0.1"');
}
lines.push('', 'Ctrl-C to stop.');
console.log(lines.join('\n'));

const stop = async () => {
  await sim.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
