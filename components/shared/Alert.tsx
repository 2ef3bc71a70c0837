/**
 * An error sentence announced to screen readers as soon as it appears: the live region is always
 * there, empty until there is something to say (a region added with its text is not always read).
 * Every error line of the popup and the options page is this one paragraph.
 */
export function Alert({ id, text }: { id?: string; text: string | null }) {
  return (
    <p id={id} class="error" role="alert">
      {text ?? ''}
    </p>
  );
}
