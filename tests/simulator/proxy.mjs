/**
 * A tiny HTTP CONNECT proxy that tunnels the ThingPark hosts to the local simulator and refuses
 * everything else. Firefox has no host-resolver rules, so this is how it reaches
 * "https://community.thingpark.io" served by the simulator; the refusals double as a record of
 * every connection the browser (and the extension) tried to make.
 */
import net from 'node:net';
import http from 'node:http';

export const THINGPARK_HOST_PATTERNS = [
  /^community\.thingpark\.io$/,
  /\.thingpark\.(io|com)$/,
  /\.actility\.com$/,
  /^tpe\.integrator\.example$/, // a self-hosted platform
];

/**
 * @typedef {{ host: string, port: number, allowed: boolean, method?: string, url?: string }} Connection
 *   method and url: a plain-HTTP request (refused); a CONNECT tunnel has neither
 * @param {{ targetPort: number, targetHost?: string, allow?: (host: string) => boolean }} options
 * @returns {Promise<{ port: number, connections: Connection[], close(): Promise<void> }>}
 */
export async function startProxy({ targetPort, targetHost = '127.0.0.1', allow }) {
  const isAllowed = allow ?? ((host) => THINGPARK_HOST_PATTERNS.some((re) => re.test(host)));
  /** @type {Connection[]} */
  const connections = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    // Plain-HTTP proxying is never needed: ThingPark is served over HTTPS.
    connections.push({ host: req.headers.host ?? '', port: 80, allowed: false, method: req.method ?? 'GET', url: req.url ?? '' });
    res.writeHead(403).end('refused by the test proxy');
  });
  server.on('connect', (req, client, head) => {
    const [host = '', portText = '443'] = (req.url ?? '').split(':');
    const allowed = isAllowed(host) && portText === '443';
    connections.push({ host, port: Number(portText), allowed });
    if (!allowed) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = net.connect(targetPort, targetHost, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [upstream, client]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        upstream.destroy();
        client.destroy();
      });
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    connections,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve(undefined));
      }),
  };
}
