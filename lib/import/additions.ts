/**
 * Accounts the user adds by hand or imports: validated again here (the background never trusts
 * what a page, even its own popup, parsed), bound to a platform origin, and compared with what
 * the vault holds so that an import run twice adds nothing twice.
 */
import type { StoredAccount } from '../vault/accounts';
import { parseOtpauthUri } from '../otp/otp';
import type { AddOutcome, NewAccount } from '../protocol/messages';

/** `https://host[:port]` exactly (http only for localhost, for testing), or null. */
export function normalizeOrigin(input: string): string | null {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return null;
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) return null;
  if (url.username || url.password) return null;
  return url.origin;
}

type Binding = { origin: string; realm: string | null; accountName: string };

/** The same Keycloak user on the same platform (origin and realm; user names ignore case). */
export const sameUser = (a: Binding, b: Binding): boolean =>
  a.origin === b.origin && a.realm === b.realm && a.accountName.toLowerCase() === b.accountName.toLowerCase();

/** Same secret for the same user on the same platform: the same authenticator. */
export const sameAuthenticator = (a: Binding & { secret: string }, b: Binding & { secret: string }): boolean =>
  a.secret === b.secret && sameUser(a, b);

export function planAdditions(
  existing: readonly StoredAccount[],
  requested: readonly NewAccount[],
  ctx: { nowMs: number; newId: () => string },
): { outcomes: AddOutcome[]; added: StoredAccount[] } {
  const outcomes: AddOutcome[] = [];
  const added: StoredAccount[] = [];
  for (const r of requested) {
    const otp = parseOtpauthUri(r.uri);
    if (!otp.ok) {
      outcomes.push({ status: 'invalid', error: otp.error });
      continue;
    }
    const origin = normalizeOrigin(r.origin);
    if (!origin) {
      outcomes.push({ status: 'invalid', error: { code: 'bad-origin', detail: 'the platform address must be an https:// URL' } });
      continue;
    }
    const realm = r.realm?.trim() || null;
    const candidate = { ...otp.value, origin, realm };
    const { issuer, accountName } = otp.value;
    const dup = [...existing, ...added].find((a) => sameAuthenticator(a, candidate));
    if (dup) {
      outcomes.push({ status: 'duplicate', id: dup.id, issuer, accountName });
      continue;
    }
    const account: StoredAccount = {
      ...candidate,
      id: ctx.newId(),
      deviceName: r.deviceName.trim().slice(0, 64),
      addedAt: ctx.nowMs,
      lastUsedStep: null,
    };
    added.push(account);
    outcomes.push({ status: 'new', id: account.id, issuer, accountName });
  }
  return { outcomes, added };
}
