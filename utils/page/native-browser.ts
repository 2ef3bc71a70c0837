/**
 * The browser's own extension API for scripts that run inside web pages (wxt.config.ts aliases
 * `wxt/browser` to this file for them): Firefox's `browser`, Chrome MV3's promise-based `chrome`.
 * Without webextension-polyfill, which would be a third of the content script's size.
 */
import type { browser as typed } from 'wxt/browser';

export type { Browser } from 'wxt/browser';
type Api = typeof typed;
const g = globalThis as { browser?: Api; chrome?: Api };

export const browser: Api = (g.browser?.runtime?.id ? g.browser : g.chrome) as Api;
