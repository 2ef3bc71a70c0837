// @vitest-environment happy-dom
/**
 * The Add view's file picker (components/popup/add/Field.tsx, FileField): a labelled file input;
 * in a real Firefox popup, which a native file dialog closes (losing the file), the way to choose
 * the file in a tab instead, said and reachable by keyboard (a button), with the file's error.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { h, render } from 'preact';

vi.mock('../../../utils/i18n', () => ({ t: (key: string) => key }));

import { FileField } from '../../../components/popup/add/Field';

const host = () => document.body.appendChild(document.createElement('div'));
afterEach(() => {
  document.body.replaceChildren();
});

const base = { id: 'add-file', label: 'Export file', accept: '.json', error: null, reading: false, onFile: () => undefined };

describe('FileField', () => {
  it('is a file input named by its label', () => {
    const root = host();
    render(h(FileField, base), root);
    const input = root.querySelector('input')!;
    expect(input.type).toBe('file');
    expect(input.accept).toBe('.json');
    expect(root.querySelector(`label[for="${input.id}"]`)?.textContent).toBe('Export file');
    expect(root.querySelector('button')).toBeNull();
  });

  it('in a Firefox popup: no file input, a button that opens the tab, described by why', () => {
    const root = host();
    const pickInTab = vi.fn();
    render(h(FileField, { ...base, hint: 'Aegis, 2FAS…', error: 'Wrong file.', pickInTab }), root);
    expect(root.querySelector('input')).toBeNull();
    const button = root.querySelector('button')!;
    expect(button.textContent).toBe('addChooseInTab');
    expect(document.getElementById(button.getAttribute('aria-describedby')!)?.textContent).toBe('addChooseInTabHint');
    expect(root.querySelector('[role=alert]')?.textContent).toBe('Wrong file.');
    // Which files it takes is still said.
    expect(root.textContent).toContain('Aegis, 2FAS…');
    button.click();
    expect(pickInTab).toHaveBeenCalledTimes(1);
  });
});
