/** An error sentence announced as soon as it appears (the live region exists before it). */
export function Alert({ id, text }: { id: string; text: string | null }) {
  return (
    <p id={id} class="error" role="alert">
      {text ?? ''}
    </p>
  );
}
