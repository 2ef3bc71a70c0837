/**
 * What the background tells the other contexts without being asked: the vault was locked or
 * unlocked. Extension pages (popup, settings) get both through `runtime.sendMessage` and refresh;
 * page scripts get the unlock through `tabs.sendMessage` and fill a page that was waiting for it.
 * These are not requests: nothing answers them.
 */
export type VaultEvent = { type: 'vault.locked' } | { type: 'vault.unlocked' };

/**
 * The event a message the browser delivered is, or undefined for anything else. Extension pages
 * also receive every request another extension page sends to the background (runtime.sendMessage
 * goes to all of the extension's pages): only these two types are events.
 */
export function eventType(message: unknown): VaultEvent['type'] | undefined {
  const type = (message as { type?: unknown } | null)?.type;
  return type === 'vault.locked' || type === 'vault.unlocked' ? type : undefined;
}
