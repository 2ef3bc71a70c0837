import type { PlatformPort } from '../../../lib/service/ports';

/** The browser's permissions and registered content scripts, in memory. */
export class FakePlatforms implements PlatformPort {
  /** Match patterns the "browser" grants. */
  readonly granted = new Set<string>();
  /** Registered content scripts: id → pattern. */
  readonly scripts = new Map<string, string>();
  readonly released: string[] = [];

  async permitted(pattern: string): Promise<boolean> {
    return this.granted.has(pattern);
  }
  async release(pattern: string): Promise<void> {
    this.released.push(pattern);
    this.granted.delete(pattern);
  }
  async register(id: string, pattern: string): Promise<void> {
    if (this.scripts.has(id)) throw new Error(`Duplicate script ID '${id}'`);
    this.scripts.set(id, pattern);
  }
  async unregister(id: string): Promise<void> {
    if (!this.scripts.delete(id)) throw new Error(`Nonexistent script ID '${id}'`);
  }
  async registered(): Promise<string[]> {
    return [...this.scripts.keys()];
  }
}
