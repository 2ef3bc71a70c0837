import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { AppError } from '@/lib/protocol/errors';
import { request } from '../../utils/client';
import { ErrorMessage } from './ErrorMessage';
import { t } from '../../utils/i18n';

export interface DeleteQuestionProps {
  accountId: string;
  /** Element ids: `${ids}` the group, `-question`, `-warning`, `-error` its parts (pages and tests find them). */
  ids: { group: string; question: string; warning: string; error: string };
  classes: { group: string; question: string; warning: string; buttons: string };
  question: string;
  /** What deleting costs. */
  warning: string;
  yes: string;
  cancel: string;
  /** Cancel, or Escape anywhere in it. */
  onCancel: () => void;
  onDeleted: (id: string) => void;
  /** The vault locked meanwhile; without it, that is said like any other failure. */
  onLocked?: () => void;
}

/**
 * Asks before deleting an account (the settings page's and the popup's): the question takes the
 * focus, so it is read first, with what deleting costs; the buttons are the next tab stops. The
 * background deletes; a failure is said here and the question stays.
 */
export function DeleteQuestion(p: DeleteQuestionProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const group = useRef<HTMLDivElement>(null);
  // In the same task as the question appears (see useFocusOnMount): Escape pressed at once cancels.
  useLayoutEffect(() => group.current?.focus(), [p.accountId]);

  const remove = async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    const reply = await request('accounts.delete', { id: p.accountId });
    setBusy(false);
    if (reply.ok) return p.onDeleted(p.accountId);
    if (reply.error.code === 'locked' && p.onLocked) return p.onLocked();
    setError(reply.error);
    group.current?.focus();
  };

  return (
    <div
      id={p.ids.group}
      class={p.classes.group}
      role="group"
      tabIndex={-1}
      ref={group}
      aria-labelledby={p.ids.question}
      aria-describedby={`${p.ids.warning} ${p.ids.error}`}
      onKeyDown={(e) => {
        // A native <select> that is open keeps its own Escape; the browser would close the popup.
        if (e.key !== 'Escape' || e.defaultPrevented) return;
        e.preventDefault();
        e.stopPropagation();
        p.onCancel();
      }}
    >
      <p id={p.ids.question} class={p.classes.question}>
        {p.question}
      </p>
      <p id={p.ids.warning} class={p.classes.warning}>
        {p.warning}
      </p>
      <ErrorMessage id={p.ids.error} error={error} />
      <div class={p.classes.buttons}>
        <button type="button" class="danger" disabled={busy} aria-busy={busy} onClick={() => void remove()}>
          {busy ? t('working') : p.yes}
        </button>
        <button type="button" class="secondary" onClick={p.onCancel}>
          {p.cancel}
        </button>
      </div>
    </div>
  );
}
