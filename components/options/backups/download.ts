/**
 * Saving a text as a file from an extension page: a Blob behind an object URL and a click on an
 * `<a download>`, which both browsers treat as a user-started download (no `downloads`
 * permission needed).
 */

/** `thingpark-autofill-backup-2025-06-30.json`: the user's local date, so files sort by day. */
export function datedFileName(stem: string, ext: string, now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${stem}-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}.${ext}`;
}

export function saveTextFile(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Firefox reads the blob after click() has returned; revoking at once cancels the download
  // (https://bugzilla.mozilla.org/show_bug.cgi?id=1282407). A second is plenty for it to start.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
