/**
 * Resolves once the page has loaded (at once if it has). Page scripts put off here what must not
 * compete with the page's own loading (the page-load overhead, measured with npm run bench):
 * reports, the clock check.
 */
export function pageLoaded(): Promise<void> {
  if (document.readyState === 'complete') return Promise.resolve();
  return new Promise((resolve) => window.addEventListener('load', () => resolve(), { once: true }));
}
