/** Every encoding in which a TOTP secret could leak: tests search storage, logs and the DOM for these. */
import { Secret } from 'otpauth';

export function secretForms(base32: string): string[] {
  const raw = Buffer.from(Secret.fromBase32(base32).bytes);
  const forms = [
    base32,
    base32.toLowerCase(),
    base32.replace(/(.{4})/g, '$1 ').trim(), // Keycloak's manual-mode grouping
    raw.toString('base64'),
    raw.toString('base64url'),
    raw.toString('hex'),
    encodeURIComponent(base32),
  ];
  // The raw bytes as text when printable (Keycloak's hidden totpSecret is ASCII).
  const ascii = raw.toString('latin1');
  if (/^[\x20-\x7e]+$/.test(ascii)) forms.push(ascii);
  return withSlices(forms);
}

/** Long enough slices that a partial leak is caught too, short enough not to match by chance. */
const withSlices = (forms: string[]) => [...new Set(forms.flatMap((f) => (f.length > 16 ? [f, f.slice(0, 16), f.slice(-16)] : [f])))];

/** Every encoding of raw key bytes (e.g. the vault's AES key as storage.session holds it). */
export function bytesForms(raw: Uint8Array): string[] {
  const b = Buffer.from(raw);
  return withSlices([b.toString('base64'), b.toString('base64url'), b.toString('hex'), b.toString('hex').toUpperCase()]);
}

/** Every form in which a passphrase could leak: as typed, URI-encoded, and its UTF-8 bytes in base64 and hex. */
export function passphraseForms(passphrase: string): string[] {
  const b = Buffer.from(passphrase, 'utf8');
  return withSlices([passphrase, encodeURIComponent(passphrase), b.toString('base64'), b.toString('base64url'), b.toString('hex')]);
}

/** What to look for: a name (said in failures, with the forms found) and its forms. */
export interface Watched {
  name: string;
  forms: string[];
}

/** Which watched values leak into `text`, said as "<where>: <name> as <forms found>"; empty when none. */
export function leaksOf(where: string, text: string, watched: readonly Watched[]): string[] {
  return watched.flatMap((w) => {
    const found = w.forms.filter((f) => text.includes(f));
    return found.length ? [`${where}: ${w.name} as ${JSON.stringify(found)}`] : [];
  });
}

/**
 * The text of a document for a leak scan, run inside the page: the markup with every attribute,
 * text and comment, the current value of every form control (which the markup does not show),
 * and shadow roots, closed ones too where the world running this can open them (a content
 * script's world: chrome.dom.openOrClosedShadowRoot in Chromium, Element.openOrClosedShadowRoot
 * in Firefox). Elements matching `mask` are left out whole (what the page itself shows, e.g.
 * Keycloak's own secret on its setup page). Self-contained: it is sent to the page as source.
 */
export function domText(mask: string[]): string {
  const out: string[] = [];
  const g = globalThis as any;
  const shadowOf = (el: Element): ShadowRoot | null => {
    if (el.shadowRoot) return el.shadowRoot;
    try {
      // Chromium's takes HTML elements only (it throws for SVG).
      return g.chrome?.dom?.openOrClosedShadowRoot?.(el) ?? (el as any).openOrClosedShadowRoot ?? null;
    } catch {
      return null;
    }
  };
  const walk = (node: Node): void => {
    if (node.nodeType === 1) {
      const el = node as Element;
      if (mask.some((m) => el.matches(m))) {
        out.push(`<${el.tagName} (masked)>`);
        return;
      }
      out.push(`<${el.tagName} ${[...el.attributes].map((a) => `${a.name}="${a.value}"`).join(' ')}>`);
      if ('value' in el && typeof (el as HTMLInputElement).value === 'string') out.push(`(value) ${(el as HTMLInputElement).value}`);
      const shadow = shadowOf(el);
      if (shadow) {
        out.push(`(${shadow.mode} shadow root)`);
        walk(shadow);
        out.push('(end of shadow root)');
      }
    } else if (node.nodeType === 3 || node.nodeType === 8) out.push(node.nodeValue ?? '');
    for (const child of node.childNodes) walk(child);
  };
  walk(document.documentElement);
  return out.join('\n');
}

/** The forms of `base32` found in `text` (empty when none). */
export function leaks(text: string, base32: string): string[] {
  return secretForms(base32).filter((f) => text.includes(f));
}
