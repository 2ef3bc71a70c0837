/**
 * Sets a field's value the way typing does, so the page's own scripts (React, PatternFly,
 * Keycloak's inline handlers) see the change: the prototype's value setter bypasses frameworks
 * that track the last value they set, then input and change events bubble as from the keyboard.
 */
export function fillInput(input: HTMLInputElement, value: string): void {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set;
  if (setter) setter.call(input, value);
  else input.value = value;
  input.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true, inputType: 'insertReplacementText', data: value }));
  input.dispatchEvent(new Event('change', { bubbles: true }));
}


/**
 * Six (or four to eight) single-digit boxes: one digit per box, in order, each with its own
 * events, because such widgets listen per box (and often move focus on input).
 */
export function fillSegmented(inputs: readonly HTMLInputElement[], code: string): void {
  inputs.forEach((input, i) => {
    const digit = code[i] ?? '';
    input.focus();
    fillInput(input, digit);
    input.dispatchEvent(new KeyboardEvent('keyup', { bubbles: true, key: digit }));
  });
}
