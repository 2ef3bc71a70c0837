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
  // Long enough slices that a partial leak is caught too, short enough not to match by chance.
  return forms.flatMap((f) => (f.length > 16 ? [f, f.slice(0, 16), f.slice(-16)] : [f]));
}

/** The forms of `base32` found in `text` (empty when none). */
export function leaks(text: string, base32: string): string[] {
  return secretForms(base32).filter((f) => text.includes(f));
}
