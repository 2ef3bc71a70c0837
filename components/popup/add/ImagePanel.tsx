import { useState } from 'preact/hooks';
import { t } from '../../../utils/i18n';
import { FileField } from './Field';
import { firstImage } from './qr-image';

interface Props {
  /** The file whose QR code was read, once read. */
  readFrom: string | null;
  reading: boolean;
  error: string | null;
  onFile: (file: File) => void;
  pickInTab?: (() => void) | null;
}

/**
 * "QR image": a file picker (the keyboard way) inside a drop zone (the mouse way); pasting an image
 * anywhere in the view is handled by the view itself.
 */
export function ImagePanel({ readFrom, reading, error, onFile, pickInTab = null }: Props) {
  const [over, setOver] = useState(false);
  return (
    <div
      class={`add-drop${over ? ' add-drop-over' : ''}`}
      onDragEnter={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragOver={(e) => {
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setOver(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        // Handled here; the view's own drop handler must not read the same file again.
        e.stopPropagation();
        setOver(false);
        // Not an image? Still read it, to say so (the view's drop handler takes images only).
        const file = firstImage(e.dataTransfer) ?? e.dataTransfer?.files[0];
        if (file) onFile(file);
      }}
    >
      <p class="add-drop-text">{t('addDropZone')}</p>
      <FileField id="add-image" label={t('addImageLabel')} accept="image/*" error={error} reading={reading} onFile={onFile} pickInTab={pickInTab} />
      <p role="status" class="add-image-status">
        {reading ? t('addReadingImage') : readFrom && !error ? t('addImageDecoded', readFrom) : ''}
      </p>
    </div>
  );
}
