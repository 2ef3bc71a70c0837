import type { AppError } from '@/lib/protocol/errors';
import { errorText } from '../../utils/i18n';
import { Alert } from './Alert';

/** An error from the background, announced to screen readers as soon as it appears (see Alert). */
export function ErrorMessage({ id, error }: { id: string; error: AppError | null }) {
  return <Alert id={id} text={error ? errorText(error) : null} />;
}
