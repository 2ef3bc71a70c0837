interface Props {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  autoComplete: 'new-password' | 'current-password';
  describedBy?: string;
  invalid?: boolean;
  autoFocus?: boolean;
}

/** A labelled password input: the label text is the field's accessible name. */
export function PassphraseField(p: Props) {
  return (
    <div class="field">
      <label for={p.id}>{p.label}</label>
      <input
        id={p.id}
        type="password"
        value={p.value}
        autoComplete={p.autoComplete}
        aria-describedby={p.describedBy}
        aria-invalid={p.invalid ? 'true' : undefined}
        autoFocus={p.autoFocus}
        spellcheck={false}
        onInput={(e) => p.onInput(e.currentTarget.value)}
      />
    </div>
  );
}
