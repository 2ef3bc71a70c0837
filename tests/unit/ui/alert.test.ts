// @vitest-environment happy-dom
/**
 * The error paragraph of the popup and the options page (components/shared/Alert.tsx), and
 * ErrorMessage, which says an error from the background through it: one live region, there
 * before its text, with the same markup for both.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { h, render } from 'preact';

vi.mock('../../../utils/i18n', () => ({ errorText: (error: { code: string }) => `error:${error.code}` }));

import { Alert } from '../../../components/shared/Alert';
import { ErrorMessage } from '../../../components/shared/ErrorMessage';

const host = () => document.body.appendChild(document.createElement('div'));
afterEach(() => {
  document.body.replaceChildren();
});

describe('Alert and ErrorMessage', () => {
  it('an empty alert region first, then the sentence in it', () => {
    const root = host();
    render(h(Alert, { id: 'backup-export-error', text: null }), root);
    expect(root.children.length).toBe(1);
    const p = root.firstElementChild!;
    expect([p.tagName, p.id, p.className, p.getAttribute('role'), p.textContent]).toEqual(['P', 'backup-export-error', 'error', 'alert', '']);
    render(h(Alert, { id: 'backup-export-error', text: 'Wrong passphrase.' }), root);
    expect(root.firstElementChild).toBe(p);
    expect(p.textContent).toBe('Wrong passphrase.');
  });

  it('without an id, no id attribute', () => {
    const root = host();
    render(h(Alert, { text: 'Refused.' }), root);
    expect(root.firstElementChild!.hasAttribute('id')).toBe(false);
    expect(root.firstElementChild!.getAttributeNames().sort()).toEqual(['class', 'role']);
  });

  it("ErrorMessage: the same paragraph with the error's sentence", () => {
    const alert = host();
    const error = host();
    render(h(Alert, { id: 'x', text: 'error:locked' }), alert);
    render(h(ErrorMessage, { id: 'x', error: { code: 'locked' } }), error);
    expect(error.firstElementChild!.outerHTML).toBe(alert.firstElementChild!.outerHTML);
    render(h(ErrorMessage, { id: 'x', error: null }), error);
    render(h(Alert, { id: 'x', text: null }), alert);
    expect(error.firstElementChild!.outerHTML).toBe(alert.firstElementChild!.outerHTML);
  });
});
