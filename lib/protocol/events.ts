/**
 * What the background tells the other contexts without being asked: the vault was locked or
 * unlocked. Extension pages (popup, settings) get both through `runtime.sendMessage` and refresh;
 * page scripts get the unlock through `tabs.sendMessage` and fill a page that was waiting for it.
 * These are not requests: nothing answers them.
 */
export type VaultEvent = { type: 'vault.locked' } | { type: 'vault.unlocked' };

/** The event's type, read from a message the browser delivered (anything else gives undefined). */
export const eventType = (message: unknown): VaultEvent['type'] | undefined => (message as Partial<VaultEvent> | null)?.type;
