import { browser } from 'wxt/browser';
import { createClient } from '@/lib/protocol/transport';
import type { Message } from '@/lib/protocol/messages';

/** The typed protocol client every extension page uses to talk to the background. */
export const request = createClient((message: Message) => browser.runtime.sendMessage(message));
