/**
 * In-memory stand-ins for the browser ports of lib/service/ports.ts, shared by the unit tests:
 * `storage.local` / `storage.session` (values stored and read back as structured clones, as the
 * browser does) and `alarms`. The browser's permissions and scripting are in tests/unit/service/memory-platforms.ts.
 */
import type { AlarmPort, StorageArea } from '../../../lib/service/ports';

export class MemoryArea implements StorageArea {
  readonly map = new Map<string, unknown>();
  private failure: Error | null = null;
  /** Successful `set` calls. */
  sets = 0;
  /** Successful `set` and `remove` calls. */
  writes = 0;

  /** The next `set` rejects with this error (and stores nothing), like a quota failure. */
  failNextSet(error: Error = new Error('QUOTA_BYTES quota exceeded')): void {
    this.failure = error;
  }

  async get(key: string): Promise<unknown> {
    const v = this.map.get(key);
    return v === undefined ? undefined : structuredClone(v);
  }

  async set(key: string, value: unknown): Promise<void> {
    if (this.failure) {
      const e = this.failure;
      this.failure = null;
      throw e;
    }
    this.sets++;
    this.writes++;
    this.map.set(key, structuredClone(value));
  }

  async remove(key: string): Promise<void> {
    this.writes++;
    this.map.delete(key);
  }

  /** A deep copy of everything stored, for before/after comparisons. */
  snapshot(): Record<string, unknown> {
    return structuredClone(Object.fromEntries(this.map));
  }

  /** Everything stored as text, to search for secrets in any form. */
  json(): string {
    return JSON.stringify([...this.map.entries()]);
  }
}

export class FakeAlarms implements AlarmPort {
  readonly scheduled: { name: string; delayMinutes: number }[] = [];
  readonly cleared: string[] = [];
  /** What the browser would currently have pending: name → delay. */
  readonly active = new Map<string, number>();

  async schedule(name: string, delayMinutes: number): Promise<void> {
    this.scheduled.push({ name, delayMinutes });
    this.active.set(name, delayMinutes);
  }

  async clear(name: string): Promise<void> {
    this.cleared.push(name);
    this.active.delete(name);
  }

  reset(): void {
    this.scheduled.length = 0;
    this.cleared.length = 0;
  }
}
