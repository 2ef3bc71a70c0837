// lib/otp/qr.ts: reading Keycloak's enrollment QR from RGBA pixels, in plain Node. Images are made in
// memory (tests/fixtures/qr/images.ts); "jsQR alone fails" checks show which fallback each
// distortion needs, so a fallback cannot be dropped without a test noticing.

import { describe, expect, it } from 'vitest';
import jsQR from 'jsqr';
import { decodeQr, MAX_QR_PIXELS, pngFromDataUrl, type Pixels } from '../../../lib/otp/qr';
import * as kc from '../../simulator/keycloak.mjs';
import * as pages from '../../simulator/pages.mjs';
import {
  addNoise,
  boxBlur,
  dataUrlPixels,
  invertColours,
  keycloakQr,
  qrcodePackagePng,
  randomNoise,
  scaleBilinear,
  scaleNearest,
  solid,
  transparentBackground,
} from '../../fixtures/qr/images';

/** Keycloak's example key URI (shared/reference/thingpark-login.md). */
const SHA1_URI =
  'otpauth://totp/ThingPark%20Enterprise:jane.doe%40example.com?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE' +
  '&digits=6&algorithm=SHA1&issuer=ThingPark%20Enterprise&period=30';
/** A realm with a stricter OTP policy. */
const SHA256_URI =
  'otpauth://totp/ThingPark%20Enterprise:jane.doe%40example.com?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE' +
  '&digits=8&algorithm=SHA256&issuer=ThingPark%20Enterprise&period=60';
const URIS = [
  ['SHA1/6/30', SHA1_URI],
  ['SHA256/8/60', SHA256_URI],
] as const;

/** jsQR on its own, plain polarity: what the first attempt of decodeQr sees. */
function jsQrAlone(img: Pixels): string | null {
  return jsQR(img.data, img.width, img.height, { inversionAttempts: 'dontInvert' })?.data ?? null;
}

describe('decodeQr: Keycloak QR images', () => {
  it.each(URIS)('reads the 246x246 image as Keycloak (ZXing) draws it: %s', (_, uri) => {
    const img = keycloakQr(uri);
    expect([img.width, img.height]).toEqual([246, 246]);
    expect(decodeQr(img)).toEqual({ ok: true, value: uri });
  });

  it.each(URIS)("reads the simulator's 246x246 PNG (qrcode package, fractional module size): %s", async (_, uri) => {
    expect(decodeQr(await qrcodePackagePng(uri))).toEqual({ ok: true, value: uri });
  });

  const scales = [0.5, 1.5, 2, 3] as const;
  const resamplers = [
    ['nearest', scaleNearest],
    ['bilinear', scaleBilinear],
  ] as const;
  const scaled = URIS.flatMap(([name, uri]) =>
    scales.flatMap((s) => resamplers.map(([how, resample]) => [`${name} ${s}x ${how}`, uri, s, resample] as const)),
  );
  it.each(scaled)('reads it scaled: %s', (_, uri, s, resample) => {
    const img = resample(keycloakQr(uri), s);
    expect(img.width).toBe(Math.round(246 * s));
    expect(decodeQr(img)).toEqual({ ok: true, value: uri });
  });

  it.each(URIS)('reads it with light noise (+-40 and +-60 grey levels): %s', (_, uri) => {
    expect(decodeQr(addNoise(keycloakQr(uri), 40, 1))).toEqual({ ok: true, value: uri });
    expect(decodeQr(addNoise(keycloakQr(uri), 60, 2))).toEqual({ ok: true, value: uri });
  });

  it.each(URIS)('reads it blurred by 1 pixel (3x3 box): %s', (_, uri) => {
    expect(decodeQr(boxBlur(keycloakQr(uri), 1))).toEqual({ ok: true, value: uri });
  });

  it('reads a non-black-on-white but dark-on-light QR (e.g. a themed page)', () => {
    const img = keycloakQr(SHA1_URI, { dark: [20, 40, 120, 255], light: [235, 240, 250, 255] });
    expect(decodeQr(img)).toEqual({ ok: true, value: SHA1_URI });
  });
});

describe('decodeQr: fallbacks, each needed by an image the first attempt misses', () => {
  it.each(URIS)('inverted colours (light on dark): the inverted attempt reads it: %s', (_, uri) => {
    const img = invertColours(keycloakQr(uri));
    expect(jsQrAlone(img)).toBeNull();
    expect(decodeQr(img)).toEqual({ ok: true, value: uri });
  });

  it.each(URIS)('transparent background: composited over white before decoding: %s', (_, uri) => {
    // getImageData() gives (0,0,0,0) for clear pixels: to jsQR, black modules on black.
    const img = transparentBackground(keycloakQr(uri));
    const before = img.data.slice();
    expect(jsQrAlone(img)).toBeNull();
    expect(jsQR(img.data, img.width, img.height, { inversionAttempts: 'attemptBoth' })).toBeNull();
    expect(decodeQr(img)).toEqual({ ok: true, value: uri });
    // The caller's pixels are not modified (compared as bytes: a deep toEqual of 242k elements is slow).
    expect(Buffer.from(img.data).equals(Buffer.from(before))).toBe(true);
  });

  it('half-transparent dark modules (alpha 128) still read as dark over white', () => {
    const img = keycloakQr(SHA1_URI, { dark: [0, 0, 0, 128], light: [0, 0, 0, 0] });
    expect(decodeQr(img)).toEqual({ ok: true, value: SHA1_URI });
  });

  it.each(URIS)('small (0.5x bilinear, 123 px, ~2 px per module): the 2x enlargement reads it: %s', (_, uri) => {
    const img = scaleBilinear(keycloakQr(uri), 0.5);
    expect(jsQrAlone(img)).toBeNull();
    expect(decodeQr(img)).toEqual({ ok: true, value: uri });
  });

  it('small and inverted (0.5x bilinear, light on dark): enlargement, then inversion', () => {
    const img = invertColours(scaleBilinear(keycloakQr(SHA1_URI), 0.5));
    expect(decodeQr(img)).toEqual({ ok: true, value: SHA1_URI });
  });

  it('large and noisy (2.5x, 615 px, +-120 grey levels): the box-filtered downscale reads it', () => {
    const img = addNoise(scaleNearest(keycloakQr(SHA1_URI), 2.5), 120, 3);
    expect(jsQrAlone(img)).toBeNull();
    expect(decodeQr(img)).toEqual({ ok: true, value: SHA1_URI });
  });
});

describe('decodeQr: no QR code', () => {
  it('blank images: not-found', () => {
    expect(decodeQr(solid(246, 246))).toEqual({ ok: false, error: { code: 'not-found' } });
    expect(decodeQr(solid(246, 246, [0, 0, 0, 255]))).toEqual({ ok: false, error: { code: 'not-found' } });
    expect(decodeQr(solid(246, 246, [0, 0, 0, 0]))).toEqual({ ok: false, error: { code: 'not-found' } });
    expect(decodeQr(solid(1, 1))).toEqual({ ok: false, error: { code: 'not-found' } });
    // Large enough to be downscaled, too thin to leave anything after it.
    expect(decodeQr(solid(4096, 1))).toEqual({ ok: false, error: { code: 'not-found' } });
    // Small enough to be enlarged.
    expect(decodeQr(solid(40, 40, [0, 0, 0, 255]))).toEqual({ ok: false, error: { code: 'not-found' } });
  });

  it('random noise: not-found', () => {
    expect(decodeQr(randomNoise(246, 246))).toEqual({ ok: false, error: { code: 'not-found' } });
  });

  it('a QR of any other text decodes to that text (rejecting it is the caller’s job)', () => {
    for (const text of ['https://example.com/not-an-otpauth-uri', 'hello', 'otpauth://totp/x?secret=']) {
      expect(decodeQr(keycloakQr(text))).toEqual({ ok: true, value: text });
    }
  });
});

describe('decodeQr: invalid input, refused before any work', () => {
  const emptyImage = { ok: false, error: { code: 'empty-image' } };

  it('data length other than width * height * 4: empty-image', () => {
    expect(decodeQr({ data: new Uint8ClampedArray(246 * 246 * 4 - 1), width: 246, height: 246 })).toEqual(emptyImage);
    expect(decodeQr({ data: new Uint8ClampedArray(246 * 246 * 3), width: 246, height: 246 })).toEqual(emptyImage);
    expect(decodeQr({ data: new Uint8ClampedArray(0), width: 246, height: 246 })).toEqual(emptyImage);
  });

  it.each([
    [0, 0],
    [0, 246],
    [246, -1],
    [2.5, 4],
    [Number.NaN, 1],
    [Number.POSITIVE_INFINITY, 1],
  ])('width %s, height %s: empty-image', (width, height) => {
    expect(decodeQr({ data: new Uint8ClampedArray(0), width, height })).toEqual(emptyImage);
  });

  it('missing data (a malformed message, not a type error at run time): empty-image', () => {
    expect(decodeQr({ width: 1, height: 1 } as unknown as Pixels)).toEqual(emptyImage);
  });

  it('huge declared size: too-large, without reading or allocating pixels', () => {
    expect(MAX_QR_PIXELS).toBe(4096 * 4096);
    const tooLarge = { ok: false, error: { code: 'too-large' } };
    // An empty buffer: were the size not checked first this would be empty-image (or a crash).
    expect(decodeQr({ data: new Uint8ClampedArray(0), width: 100_000, height: 100_000 })).toEqual(tooLarge);
    expect(decodeQr({ data: new Uint8ClampedArray(0), width: 4097, height: 4096 })).toEqual(tooLarge);
    expect(decodeQr({ data: new Uint8ClampedArray(0), width: MAX_QR_PIXELS + 1, height: 1 })).toEqual(tooLarge);
  });
});

describe('decodeQr: the simulator’s setup page', () => {
  /** The `src` of `img#kc-totp-secret-qr-code` in a rendered page. */
  function qrSrc(html: string): string {
    const img = /<img\b[^>]*\bid="kc-totp-secret-qr-code"[^>]*>/.exec(html)?.[0];
    const src = img && /\bsrc="([^"]*)"/.exec(img)?.[1];
    if (!src) throw new Error('no img#kc-totp-secret-qr-code src in the page');
    return src;
  }

  it.each([
    ['classic', kc.DEFAULT_POLICY],
    ['v2', kc.normalizePolicy({ algorithm: 'SHA256', digits: 8, period: 60 })],
  ] as const)('decodes the QR of a %s setup page back to its key URI', async (theme, policy) => {
    const rawSecret = 'Aq3kP9vLm2Rt7Wc1Bn5d';
    const uri = kc.buildKeyUri({ policy, issuer: 'ThingPark Enterprise', account: 'jane.doe@example.com', rawSecret });
    const html = pages.renderTotpSetupPage({
      theme,
      realmDisplayName: 'ThingPark Enterprise',
      actionUrl: '/auth/realms/r/login-actions/required-action',
      qrDataUrl: await pages.qrDataUrl(uri),
      totpSecret: rawSecret,
      totpSecretEncoded: kc.formatSecretForDisplay(rawSecret),
      policy,
      manualUrl: '/setup?mode=manual',
      qrUrl: '/setup?mode=qr',
      hasDevices: false,
    });
    const src = qrSrc(html);
    expect(src.startsWith('data:image/png;base64, ')).toBe(true); // Keycloak's space after the comma
    const img = dataUrlPixels(src);
    expect([img.width, img.height]).toEqual([246, 246]);
    expect(decodeQr(img)).toEqual({ ok: true, value: uri });
    if (policy === kc.DEFAULT_POLICY) expect(uri).toBe(SHA1_URI);
  });

  it("decodes nothing from the simulator's unreadable 'noise-qr' image", () => {
    expect(decodeQr(dataUrlPixels(pages.noiseQrDataUrl()))).toEqual({ ok: false, error: { code: 'not-found' } });
  });
});

describe('pngFromDataUrl: the setup page\'s image as the background receives it', () => {
  /** A PNG header declaring `width` x `height`, with no image data after it. */
  function pngHeader(width: number, height: number): Uint8Array {
    const bytes = new Uint8Array(33);
    bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    const view = new DataView(bytes.buffer);
    view.setUint32(16, width);
    view.setUint32(20, height);
    return bytes;
  }
  const url = (bytes: Uint8Array, prefix = 'data:image/png;base64,') => prefix + Buffer.from(bytes).toString('base64');

  it("reads Keycloak's data URL (a space after the comma) with the size its header declares", async () => {
    const src = await pages.qrDataUrl(SHA1_URI);
    const png = pngFromDataUrl(src);
    expect(png && [png.width, png.height]).toEqual([246, 246]);
    expect(Buffer.from(png!.bytes)).toEqual(Buffer.from(src.slice(src.indexOf(',') + 1).trim(), 'base64'));
    // Parameters before ";base64" and line breaks inside the base64 are allowed too.
    const b64 = src.slice(src.indexOf(',') + 1).trim();
    expect(pngFromDataUrl(`DATA:image/PNG;name=qr.png;base64,${b64.slice(0, 40)}\n${b64.slice(40)}`)?.width).toBe(246);
  });

  it('refuses a huge declared size before decoding anything', () => {
    expect(pngFromDataUrl(url(pngHeader(4096, 4096)))).toMatchObject({ width: 4096, height: 4096 });
    expect(pngFromDataUrl(url(pngHeader(4097, 4096)))).toBeNull();
    expect(pngFromDataUrl(url(pngHeader(0xffffffff, 0xffffffff)))).toBeNull();
    expect(pngFromDataUrl(url(pngHeader(0, 246)))).toBeNull();
    expect(MAX_QR_PIXELS).toBe(4096 * 4096);
  });

  it.each([
    ['another image type', url(pngHeader(10, 10), 'data:image/jpeg;base64,')],
    ['a URL, not data', 'https://example.com/qr.png'],
    ['not base64 encoded', 'data:image/png,%89PNG'],
    ['bad base64', 'data:image/png;base64,@@@@'],
    ['no PNG signature', url(new TextEncoder().encode('GIF89a and then some more bytes to be long enough'))],
    ['a header without IHDR', url(pngHeader(10, 10).map((b, i) => (i === 12 ? 0x78 : b)))],
    ['too short', url(pngHeader(10, 10).subarray(0, 20))],
    ['empty', ''],
  ])('refuses %s', (_what, src) => {
    expect(pngFromDataUrl(src)).toBeNull();
  });
});
