/**
 * An error sentence announced to screen readers as soon as it appears: the live region is
 * rendered, empty, before it. ErrorMessage is this for an error from the background.
 */
export function Alert({ id, text }: { id?: string; text: string | null }) {
  return (
    <p id={id} class="error" role="alert">
      {text ?? ''}
    </p>
  );
}
