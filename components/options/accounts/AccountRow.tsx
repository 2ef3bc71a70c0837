import { memo } from 'preact/compat';
import type { AccountSummary } from '@/lib/protocol/messages';
import { t, type MessageKey } from '../../../utils/i18n';
import type { Action, Note } from './editor';
import type { ManagedAccount } from './grouping';
import { TextEditor } from './TextEditor';
import { MoveEditor } from './MoveEditor';
import { DeleteConfirm } from './DeleteConfirm';
import { RevealPanel } from './RevealPanel';
import { UnconfirmedMark } from '../../shared/UnconfirmedMark';

/**
 * What rows share. The section passes one stable object, so a row renders again only when its
 * account or its open editor changes: opening one editor among hundreds of rows redraws one row.
 */
export interface RowContext {
  toggle: (id: string, action: Action) => void;
  close: (id: string, action: Action, note?: Note) => void;
  saved: (account: AccountSummary) => void;
  deleted: (id: string) => void;
  say: (note: Note) => void;
  /** Platforms this account could move to (read when the move editor opens). */
  moveTargets: (from: string) => string[];
  added: () => ReadonlySet<string>;
}

const ACTIONS: { action: Action; text: MessageKey; name: MessageKey }[] = [
  { action: 'rename', text: 'manageRename', name: 'manageRenameFor' },
  { action: 'device', text: 'manageEditDevice', name: 'manageEditDeviceFor' },
  { action: 'move', text: 'manageMove', name: 'manageMoveFor' },
  { action: 'reveal', text: 'manageShowQr', name: 'manageShowQrFor' },
  { action: 'delete', text: 'manageDelete', name: 'manageDeleteFor' },
];

interface Props {
  account: ManagedAccount;
  /** This row's open editor, if any (one in the whole list at a time). */
  open: Action | null;
  ctx: RowContext;
}

/**
 * One account: what identifies it, its actions, and below them the editor that is open. An
 * account ThingPark has not confirmed yet says so, with since when; its buttons are
 * described by that mark, so a screen reader says it with each of them.
 */
export const AccountRow = memo(function AccountRow({ account: a, open, ctx }: Props) {
  const markId = a.unconfirmed ? `manage-unconfirmed-${a.id}` : undefined;
  const meta = [
    a.label ? t('manageUser', a.accountName) : null,
    a.realm ? t('manageRealm', a.realm) : null,
    a.deviceName ? t('manageDevice', a.deviceName) : t('manageNoDevice'),
  ].filter(Boolean);
  return (
    <li class={`acct${open ? ' acct-open' : ''}`} data-account-id={a.id}>
      <div class="acct-main">
        <div class="acct-info">
          <span class="acct-issuer">{a.issuer}</span>
          <span class="acct-name">{a.name}</span>
          <span class="acct-meta">{meta.join(' · ')}</span>
          {a.unconfirmed && markId ? <UnconfirmedMark id={markId} class="acct-unconfirmed" unconfirmed={a.unconfirmed} /> : null}
        </div>
        <div class="acct-actions">
          {ACTIONS.map(({ action, text, name }) => (
            <button
              key={action}
              type="button"
              class={`secondary acct-${action}`}
              data-action={action}
              aria-label={t(name, a.name)}
              aria-describedby={markId}
              aria-expanded={open === action}
              aria-controls={open === action ? 'manage-editor' : undefined}
              onClick={() => ctx.toggle(a.id, action)}
            >
              {t(text)}
            </button>
          ))}
        </div>
      </div>
      {open ? <Editor account={a} action={open} ctx={ctx} /> : null}
    </li>
  );
});

function Editor({ account, action, ctx }: { account: ManagedAccount; action: Action; ctx: RowContext }) {
  const props = {
    account,
    onClose: (note?: Note) => ctx.close(account.id, action, note),
    onSaved: ctx.saved,
    onDeleted: ctx.deleted,
    say: ctx.say,
  };
  switch (action) {
    case 'rename':
      return <TextEditor {...props} field="label" />;
    case 'device':
      return <TextEditor {...props} field="deviceName" />;
    case 'move':
      return <MoveEditor {...props} targets={ctx.moveTargets(account.origin)} added={ctx.added()} />;
    case 'delete':
      return <DeleteConfirm {...props} />;
    case 'reveal':
      return <RevealPanel {...props} />;
  }
}
