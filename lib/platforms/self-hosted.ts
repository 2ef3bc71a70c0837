/**
 * Self-hosted ThingPark platforms: integrators run their own at their own address. The user adds
 * one by URL; the browser grants the host permission for that host only and our content script is
 * registered there. Pure rules here; the browser calls live in the background.
 */
import { THINGPARK_MATCHES } from './saas-hosts';
import { err, ok, type Result } from '../util/result';

export interface StoredPlatform {
  /** Exact origin, e.g. `https://iot.example.net` or `https://iot.example.net:8443`. */
  origin: string;
  addedAt: number;
}

export type PlatformUrlError = 'invalid-url' | 'not-https';

/**
 * The origin of a URL the user typed or pasted (any path of the platform will do). https only:
 * the one-time code and the login go over that connection. `http://localhost` (and loopback
 * addresses) is allowed for testing a platform on one's own machine.
 */
export function parsePlatformUrl(input: string): Result<string, { code: PlatformUrlError; detail: string }> {
  const text = input.trim();
  if (!text) return err({ code: 'invalid-url', detail: 'empty' });
  let url: URL;
  try {
    // "iot.example.net" without a scheme is what people paste from an e-mail: read it as https.
    // "iot.example.net:8443" too: a port after the colon is not a scheme.
    const hasScheme = /^[a-z][a-z0-9+.-]*:/i.test(text) && !/^[^/?#:@]+:\d+(?:[/?#]|$)/.test(text);
    url = new URL(hasScheme ? text : `https://${text}`);
    // "iot.example.net." is the same DNS host: one spelling, so that it cannot pass as another
    // platform (nor a built-in host as a self-hosted one).
    if (url.hostname.endsWith('.')) url.hostname = url.hostname.slice(0, -1);
  } catch {
    return err({ code: 'invalid-url', detail: 'not a URL' });
  }
  if (url.username || url.password) return err({ code: 'invalid-url', detail: 'user name or password in the URL' });
  if (!url.hostname || url.hostname.endsWith('.') || url.hostname.includes('*')) {
    return err({ code: 'invalid-url', detail: 'no host name' });
  }
  // A DNS name (IDNs arrive as punycode) or an IP address, nothing else. Chromium's URL parser
  // keeps spaces in a host ("https://exa mple.com" → host "exa%20mple.com") where the URL
  // standard (Firefox, Node) throws, and the standard itself lets "!$&'()+,;=~" through.
  if (!/^(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])$/.test(url.hostname)) {
    return err({ code: 'invalid-url', detail: 'not a host name' });
  }
  if (url.protocol === 'https:') return ok(url.origin);
  if (url.protocol === 'http:') {
    if (isLoopback(url.hostname)) return ok(url.origin);
    return err({ code: 'not-https', detail: 'http is only allowed for localhost' });
  }
  return err({ code: 'invalid-url', detail: `unsupported scheme ${url.protocol}` });
}

function isLoopback(hostname: string): boolean {
  // As in the manifest's optional_host_permissions (http://localhost/*, http://127.0.0.1/*).
  return hostname === 'localhost' || hostname === '127.0.0.1';
}

/**
 * The match pattern for an origin. Firefox match patterns cannot name a port, so the pattern
 * covers the host on every port; accounts stay bound to the exact origin, port included.
 */
export function matchPatternFor(origin: string): string {
  const url = new URL(origin);
  return `${url.protocol}//${url.hostname}/*`;
}

/** Does one of the built-in ThingPark host patterns already cover this origin? */
export function isBuiltIn(origin: string): boolean {
  const url = new URL(origin);
  if (url.protocol !== 'https:') return false;
  return THINGPARK_MATCHES.some((pattern) => {
    const host = pattern.replace(/^[a-z]+:\/\//, '').replace(/\/.*$/, ''); // "*.thingpark.io"
    if (host.startsWith('*.')) {
      const base = host.slice(2);
      return url.hostname === base || url.hostname.endsWith(`.${base}`);
    }
    return url.hostname === host;
  });
}

/** A platform on the same host (any port) is already registered: the same permission and script. */
export function findSameHost(platforms: readonly StoredPlatform[], origin: string): StoredPlatform | undefined {
  const pattern = matchPatternFor(origin);
  return platforms.find((p) => matchPatternFor(p.origin) === pattern);
}

/** Stored platforms from `storage.local`, keeping only well-formed entries (never trust storage). */
export function parseStoredPlatforms(raw: unknown): StoredPlatform[] {
  if (!Array.isArray(raw)) return [];
  const out: StoredPlatform[] = [];
  for (const p of raw) {
    if (typeof p !== 'object' || p === null) continue;
    const { origin, addedAt } = p as Record<string, unknown>;
    if (typeof origin !== 'string' || typeof addedAt !== 'number') continue;
    const parsed = parsePlatformUrl(origin);
    if (!parsed.ok || parsed.value !== origin || findSameHost(out, origin)) continue;
    out.push({ origin, addedAt });
  }
  return out;
}

/** The id of the registered content script for a platform (one per host). */
export const scriptIdFor = (origin: string): string => `platform:${matchPatternFor(origin)}`;

/** The id of a platform's second registered script, the QR reader on its Keycloak setup pages. */
export const setupScriptIdOf = (scriptId: string): string => `${scriptId}:setup`;

/** The id of a platform's third registered script, the early request on its Keycloak OTP pages. */
export const otpScriptIdOf = (scriptId: string): string => `${scriptId}:otp`;

/** All of a platform's registered scripts, by the page script's id. */
export const scriptIdsOf = (scriptId: string): string[] => [scriptId, setupScriptIdOf(scriptId), otpScriptIdOf(scriptId)];

/**
 * Our registered scripts (`ids`, as the browser lists them), grouped per platform: `complete`,
 * the platforms' script ids whose page script, QR reader and early OTP request are all
 * registered; `lone`, the registered ids of platforms missing one of them (an older version
 * registered fewer), to be removed so that the platform is registered again, whole.
 */
export function groupRegistered(ids: string[]): { complete: string[]; lone: string[] } {
  const ours = ids.filter((id) => id.startsWith('platform:'));
  const have = new Set(ours);
  const complete = ours.filter((id) => !id.endsWith(':setup') && !id.endsWith(':otp') && scriptIdsOf(id).every((x) => have.has(x)));
  const paired = new Set(complete.flatMap(scriptIdsOf));
  return { complete, lone: ours.filter((id) => !paired.has(id)) };
}
