import type { AppError } from '@/lib/protocol/errors';
import { errorText } from '../../utils/i18n';

/** An error announced to screen readers as soon as it appears. */
export function ErrorMessage({ id, error }: { id: string; error: AppError | null }) {
  return (
    <p id={id} class="error" role="alert">
      {error ? errorText(error) : ''}
    </p>
  );
}
