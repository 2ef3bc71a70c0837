/**
 * The QR code in an image (utils/image-qr.ts), shared by the popup's "Add account" image reading
 * (components/popup/add/qr-image.ts: at most 2000 px a side, jsQR loaded on first use) and the
 * background's setup-page reader (entrypoints/background/setup-qr.ts: the PNG as it is).
 *
 * Plain Node has no createImageBitmap or canvas: both are stand-ins here. A "bitmap" holds RGBA
 * pixels, and the canvas gives back the bitmap's pixels at the size it was drawn (resampled by
 * nearest neighbour), so the real decoder (lib/otp/qr.ts) reads Keycloak's QR through them.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('@/lib/util/result', () => import('../../../lib/util/result'));
vi.mock('@/lib/otp/qr', () => import('../../../lib/otp/qr'));

import { decodeQr, type Pixels } from '../../../lib/otp/qr';
import { err, ok } from '../../../lib/util/result';
import { readImageQr } from '../../../utils/image-qr';
import { firstImage, readQrFromImage } from '../../../components/popup/add/qr-image';
import { keycloakQr, scaleNearest, solid } from '../../fixtures/qr/images';

const URI =
  'otpauth://totp/ThingPark%20Enterprise:jane.doe%40example.com?secret=IFYTG22QHF3EY3JSKJ2DOV3DGFBG4NLE' +
  '&digits=6&algorithm=SHA1&issuer=ThingPark%20Enterprise&period=30';

interface FakeBitmap {
  width: number;
  height: number;
  pixels: Pixels;
  close: ReturnType<typeof vi.fn>;
}

/** What the canvas stand-ins saw: the sizes drawn at and the context options asked for. */
let drawn: { width: number; height: number; options: unknown }[];
/** What createImageBitmap resolves to next (or rejects with, for an Error). */
let nextBitmap: FakeBitmap | Error;

function bitmapOf(pixels: Pixels, size: { width: number; height: number } = pixels): FakeBitmap {
  return { width: size.width, height: size.height, pixels, close: vi.fn() };
}

/** A 2D context drawing a fake bitmap: getImageData gives its pixels at the drawn size. */
function fakeContext(options: unknown) {
  let image: Pixels | null = null;
  return {
    drawImage(bitmap: FakeBitmap, _x: number, _y: number, width: number, height: number) {
      drawn.push({ width, height, options });
      const p = bitmap.pixels;
      image = width === p.width && height === p.height ? p : scaleNearest(p, width / p.width);
    },
    getImageData(_x: number, _y: number, width: number, height: number): Pixels {
      if (!image || image.width !== width || image.height !== height) throw new Error('read at another size than drawn');
      return image;
    },
  };
}

class FakeOffscreenCanvas {
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}
  getContext(_kind: string, options: unknown) {
    return fakeContext(options);
  }
}

const png = (bytes = 'x') => new Blob([bytes], { type: 'image/png' });

beforeEach(() => {
  drawn = [];
  nextBitmap = bitmapOf(keycloakQr(URI));
  vi.stubGlobal('OffscreenCanvas', FakeOffscreenCanvas);
  vi.stubGlobal(
    'createImageBitmap',
    vi.fn(async () => {
      if (nextBitmap instanceof Error) throw nextBitmap;
      return nextBitmap;
    }),
  );
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('readImageQr', () => {
  it("reads Keycloak's QR at its own size (no cap: the background's use), on a CPU-backed canvas, and closes the bitmap", async () => {
    const bitmap = nextBitmap as FakeBitmap;
    expect(await readImageQr(png(), decodeQr)).toEqual(ok(URI));
    expect(drawn).toEqual([{ width: 246, height: 246, options: { willReadFrequently: true } }]);
    expect(bitmap.close).toHaveBeenCalledOnce();
  });

  it('draws a larger image at most maxSide on its longest side, proportions kept; a smaller one as it is', async () => {
    nextBitmap = bitmapOf(solid(100, 50), { width: 1000, height: 500 });
    const decode = vi.fn((_pixels: Pixels) => err({ code: 'not-found' as const }));
    await readImageQr(png(), decode, 200);
    expect(drawn.map(({ width, height }) => [width, height])).toEqual([[200, 100]]);
    expect(decode.mock.calls[0]![0]).toMatchObject({ width: 200, height: 100 });

    drawn = [];
    nextBitmap = bitmapOf(keycloakQr(URI));
    expect(await readImageQr(png(), decodeQr, 2000)).toEqual(ok(URI));
    expect(drawn.map(({ width, height }) => [width, height])).toEqual([[246, 246]]);
  });

  it('waits for a decoder that loads first (a promise)', async () => {
    expect(await readImageQr(png(), async (pixels) => decodeQr(pixels))).toEqual(ok(URI));
  });

  it("refuses a file that says it is no image, unread; a file of no type is the decoder's to judge", async () => {
    const decode = vi.fn(decodeQr);
    expect(await readImageQr(new Blob(['x'], { type: 'text/plain' }), decode)).toEqual(err('not-image'));
    expect(createImageBitmap).not.toHaveBeenCalled();
    expect(decode).not.toHaveBeenCalled();
    expect(await readImageQr(new Blob(['x']), decode)).toEqual(ok(URI));
  });

  it("an image the browser cannot decode (a damaged file) is 'not-image'", async () => {
    nextBitmap = new Error('InvalidStateError');
    expect(await readImageQr(png(), decodeQr)).toEqual(err('not-image'));
  });

  it("an image of no pixels is 'empty-image', never drawn", async () => {
    const bitmap = (nextBitmap = bitmapOf(solid(1, 1), { width: 0, height: 10 }));
    const decode = vi.fn(decodeQr);
    expect(await readImageQr(png(), decode)).toEqual(err('empty-image'));
    expect(drawn).toEqual([]);
    expect(decode).not.toHaveBeenCalled();
    expect(bitmap.close).toHaveBeenCalledOnce();
  });

  it("no QR code is 'no-qr'; an image the decoder refuses is 'empty-image'", async () => {
    expect(await readImageQr(png(), () => err({ code: 'not-found' as const }))).toEqual(err('no-qr'));
    expect(await readImageQr(png(), () => err({ code: 'too-large' as const }))).toEqual(err('empty-image'));
    expect(await readImageQr(png(), () => err({ code: 'empty-image' as const }))).toEqual(err('empty-image'));
    nextBitmap = bitmapOf(solid(246, 246));
    expect(await readImageQr(png(), decodeQr)).toEqual(err('no-qr'));
  });

  it("no 2D context is 'empty-image'; an error while drawing is thrown to the caller, the bitmap closed", async () => {
    vi.stubGlobal(
      'OffscreenCanvas',
      class {
        getContext() {
          return null;
        }
      },
    );
    expect(await readImageQr(png(), decodeQr)).toEqual(err('empty-image'));

    vi.stubGlobal(
      'OffscreenCanvas',
      class {
        getContext() {
          throw new Error('out of memory');
        }
      },
    );
    const bitmap = (nextBitmap = bitmapOf(keycloakQr(URI)));
    await expect(readImageQr(png(), decodeQr)).rejects.toThrow('out of memory');
    expect(bitmap.close).toHaveBeenCalledOnce();
  });

  it('without OffscreenCanvas, draws on a document canvas of the same size', async () => {
    vi.stubGlobal('OffscreenCanvas', undefined);
    const canvas = { width: 0, height: 0, getContext: (_kind: string, options: unknown) => fakeContext(options) };
    vi.stubGlobal('document', { createElement: vi.fn(() => canvas) });
    expect(await readImageQr(png(), decodeQr)).toEqual(ok(URI));
    expect(document.createElement).toHaveBeenCalledWith('canvas');
    expect([canvas.width, canvas.height]).toEqual([246, 246]);
    expect(drawn).toEqual([{ width: 246, height: 246, options: { willReadFrequently: true } }]);
  });
});

describe("the popup's image reading", () => {
  it('reads the QR code with lib/otp/qr.ts, loaded when an image comes', async () => {
    expect(await readQrFromImage(png())).toEqual(ok(URI));
  });

  it('draws photos at most 2000 px on their longest side', async () => {
    nextBitmap = bitmapOf(solid(40, 30), { width: 4000, height: 3000 });
    expect(await readQrFromImage(png())).toEqual(err('no-qr'));
    expect(drawn.map(({ width, height }) => [width, height])).toEqual([[2000, 1500]]);
  });

  it('takes the first image among dropped or pasted data, also one listed only as an item', () => {
    const text = new File(['a'], 'a.txt', { type: 'text/plain' });
    const image = new File(['b'], 'b.png', { type: 'image/png' });
    const transfer = (files: File[], items: { kind: string; type: string; getAsFile: () => File | null }[] = []) =>
      ({ files, items }) as unknown as DataTransfer;
    expect(firstImage(null)).toBeNull();
    expect(firstImage(transfer([text, image]))).toBe(image);
    expect(firstImage(transfer([text], [{ kind: 'string', type: 'text/plain', getAsFile: () => null }, { kind: 'file', type: 'image/png', getAsFile: () => image }]))).toBe(image);
    expect(firstImage(transfer([text]))).toBeNull();
  });
});
