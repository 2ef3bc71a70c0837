import { useMemo } from 'preact/hooks';
import { encode } from 'uqr';

/** Side of the drawn code in CSS px, about; each module gets a whole number of pixels. */
const TARGET_PX = 280;
/** The quiet zone ISO/IEC 18004 asks for around a QR code, in modules. */
const QUIET_ZONE = 4;

interface Props {
  /** What the code encodes (an `otpauth://` URI). */
  text: string;
  /** The image's accessible name: says whose code it is, never what it contains. */
  label: string;
}

/**
 * A QR code drawn as an SVG made of Preact elements (no markup strings, no canvas, no image URL).
 * Dark modules of a row are merged into one rectangle each and all go into a single path, so
 * even a long URI makes one element. Always black on white with a quiet zone, whatever the
 * page's colour scheme: phone cameras read dark-on-light codes most reliably.
 */
export function QrCode({ text, label }: Props) {
  const { size, path } = useMemo(() => draw(text), [text]);
  const scale = Math.max(3, Math.floor(TARGET_PX / size));
  return (
    <svg
      class="qr"
      role="img"
      aria-label={label}
      viewBox={`0 0 ${size} ${size}`}
      width={size * scale}
      height={size * scale}
      shape-rendering="crispEdges"
    >
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}

function draw(text: string): { size: number; path: string } {
  // Level M (15 % recovery): a phone reads it from a screen at a size that still fits the page.
  const { data, size } = encode(text, { ecc: 'M', border: QUIET_ZONE });
  const parts: string[] = [];
  data.forEach((row, y) => {
    let x = 0;
    while (x < size) {
      if (!row[x]) {
        x++;
        continue;
      }
      const start = x;
      while (x < size && row[x]) x++;
      parts.push(`M${start} ${y}h${x - start}v1h${start - x}z`);
    }
  });
  return { size, path: parts.join('') };
}
