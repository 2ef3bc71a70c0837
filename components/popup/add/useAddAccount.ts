/**
 * The "Add account" view's state and behaviour, drawn by AddAccount.tsx: the input (the method's
 * tab, the link, key or image, and the platform's address), checking it, the background's dry run
 * and its review, saving, and reading a picked, dropped or pasted QR code image.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { normalizeOrigin } from '@/lib/import/additions';
import { realmFromUrl } from '@/lib/keycloak/page-detection';
import type { AppError } from '@/lib/protocol/errors';
import type { NewAccount } from '@/lib/protocol/messages';
import { request } from '../../../utils/client';
import { t } from '../../../utils/i18n';
import type { ImageReadError } from '../../../utils/image-qr';
import { keyErrorText } from './KeyForm';
import { buildKeyUri, DEFAULT_KEY_FIELDS, type KeyField, type KeyFields } from './key-entry';
import { buildPreview, lineErrorText, problemText, type Preview } from './preview';
import { firstImage, readQrFromImage } from './qr-image';
import { APP_NAMES, fileErrorText, readAccountsFile, type FileRead } from './app-file';
import { collectFromText, isEmpty, MAX_ACCOUNTS, type Collected, type LineError } from './sources';

/** The tab in front (looked up while the view opens): its platform is the default address. */
export type CurrentPlace = { origin: string; realm: string | null } | null;

export type Method = 'link' | 'key' | 'image' | 'file';
export const METHODS: readonly Method[] = ['link', 'key', 'image', 'file'];

type ErrorField = 'origin' | 'link' | 'image' | 'file' | 'filePassword' | KeyField;

/** Another app's export: the file, what reading it gave, and the password typed for it. */
interface AppFile {
  file: File | null;
  read: FileRead | null;
  password: string;
}
const NO_FILE: AppFile = { file: null, read: null, password: '' };
type Errors = Partial<Record<ErrorField, string>>;

interface Place {
  origin: string;
  realm: string;
  deviceName: string;
}

const IMAGE_ERRORS: Record<ImageReadError, () => string> = {
  'not-image': () => t('addErrNotImage'),
  'no-qr': () => t('addErrNoQr'),
  'empty-image': () => t('addErrEmptyImage'),
};

/** In a QR code, text that is no link at all means the code is not an authenticator's. */
const imageLineError = (e: LineError) => (e.kind === 'not-link' ? t('error_qr_not_otpauth') : lineErrorText(e));

const placeFrom = (tab: CurrentPlace) => ({
  origin: (tab && normalizeOrigin(tab.origin)) ?? '',
  realm: tab?.realm ?? '',
});

export function useAddAccount(currentTab: CurrentPlace, initialMethod: Method = 'link') {
  const [step, setStep] = useState<'input' | 'preview' | 'saved'>('input');
  const [method, setMethod] = useState<Method>(initialMethod);
  const [place, setPlace] = useState<Place>(() => ({ ...placeFrom(currentTab), deviceName: '' }));
  const placeEdited = useRef(false);
  const [link, setLink] = useState('');
  const [key, setKey] = useState<KeyFields>(DEFAULT_KEY_FIELDS);
  const [image, setImage] = useState<{ name: string; text: string | null }>({ name: '', text: null });
  const [appFile, setAppFile] = useState<AppFile>(NO_FILE);
  const [reading, setReading] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [requestError, setRequestError] = useState<AppError | null>(null);
  const [preview, setPreview] = useState<(Preview & { origin: string; realm: string | null }) | null>(null);
  const [savedText, setSavedText] = useState('');
  /** Bumped after a failed review: focus goes to the first invalid field. */
  const [invalidAttempt, setInvalidAttempt] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  const stepHeading = useRef<HTMLElement>(null);
  const tabRefs = useRef<Partial<Record<Method, HTMLButtonElement | null>>>({});

  // The current tab is looked up asynchronously: take it as the default until the user edits.
  useEffect(() => {
    if (!placeEdited.current) setPlace((p) => ({ ...p, ...placeFrom(currentTab) }));
  }, [currentTab?.origin, currentTab?.realm]);

  useEffect(() => {
    if (invalidAttempt > 0) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [invalidAttempt]);

  useEffect(() => {
    if (step !== 'input') stepHeading.current?.focus();
  }, [step]);

  const clearError = (field: ErrorField) =>
    setErrors((e) => {
      if (!(field in e)) return e;
      const { [field]: _removed, ...rest } = e;
      return rest;
    });

  const editPlace = (patch: Partial<Place>, field: ErrorField | null) => {
    placeEdited.current = true;
    setPlace((p) => ({ ...p, ...patch }));
    if (field) clearError(field);
  };

  async function review(source: Method, imageText: string | null = image.text, fileRead: FileRead | null = appFile.read) {
    if (busy) return;
    const found: Errors = {};
    const origin = normalizeOrigin(place.origin);
    if (!origin) found.origin = t('error_bad_origin');
    let collected: Collected | null = null;

    if (source === 'link') {
      if (link.trim() === '') found.link = t('addErrEmptyLink');
      else {
        const c = collectFromText(link);
        if (isEmpty(c)) found.link = c.problems.map((p) => problemText(p)).join('\n');
        else if (c.candidates.length > MAX_ACCOUNTS) found.link = t('addErrTooMany', String(MAX_ACCOUNTS));
        else collected = c;
      }
    } else if (source === 'key') {
      const built = buildKeyUri(key);
      if (built.ok) collected = { candidates: [{ uri: built.uri, line: null }], problems: [], skipped: [], missing: [] };
      else for (const [field, code] of Object.entries(built.errors)) found[field as KeyField] = keyErrorText(code);
    } else if (source === 'file') {
      let read = fileRead;
      const locked = read && !read.ok && (read.code === 'password-needed' || read.code === 'wrong-password');
      if (!appFile.file || !read) found.file = errors.file ?? t('addErrNoFile');
      else if (locked && !appFile.password) found.filePassword = fileErrorText('password-needed', read.ok ? null : read.format);
      else if (locked) {
        setBusy(true);
        read = await readAccountsFile(appFile.file, appFile.password);
        setBusy(false);
        setAppFile((f) => ({ ...f, read }));
      }
      if (read?.ok) {
        if (read.collected.candidates.length > MAX_ACCOUNTS) found.file = t('addErrTooMany', String(MAX_ACCOUNTS));
        else collected = read.collected;
      } else if (read && !found.file && !found.filePassword) {
        found[read.code === 'wrong-password' ? 'filePassword' : 'file'] = fileErrorText(read.code, read.format);
      }
    } else if (imageText === null) {
      found.image = errors.image ?? t('addErrNoImage');
    } else {
      const c = collectFromText(imageText);
      if (isEmpty(c)) found.image = c.problems.map((p) => problemText(p, imageLineError)).join('\n');
      else collected = c;
    }

    setErrors(found);
    setRequestError(null);
    if (!origin || !collected || Object.keys(found).length > 0) {
      setInvalidAttempt((n) => n + 1);
      return;
    }
    const realm = place.realm.trim() || realmFromUrl(place.origin.trim()) || null;
    const accounts: NewAccount[] = collected.candidates.map((c) => ({ uri: c.uri, origin, realm, deviceName: place.deviceName.trim() }));
    setBusy(true);
    const reply = accounts.length > 0 ? await request('accounts.add', { accounts, dryRun: true }) : { ok: true as const, value: [] };
    setBusy(false);
    if (!reply.ok) {
      setRequestError(reply.error);
      return;
    }
    setPreview({ ...buildPreview(collected, accounts, reply.value), origin, realm });
    setStep('preview');
  }

  async function save() {
    if (!preview || preview.toSave.length === 0 || busy) return;
    setBusy(true);
    setRequestError(null);
    const reply = await request('accounts.add', { accounts: preview.toSave, dryRun: false });
    setBusy(false);
    if (!reply.ok) {
      setRequestError(reply.error);
      return;
    }
    const added = reply.value.filter((o) => o.status === 'added').length;
    setSavedText(added === 0 ? t('addSavedNone') : added === 1 ? t('addSaved1') : t('addSavedN', String(added)));
    // The inputs held secrets: nothing of them stays on the page once saved.
    setLink('');
    setKey((k) => ({ ...DEFAULT_KEY_FIELDS, issuer: k.issuer }));
    setImage({ name: '', text: null });
    setAppFile(NO_FILE);
    setPreview(null);
    setStep('saved');
  }

  async function readImage(file: File) {
    setMethod('image');
    setImage({ name: file.name, text: null });
    clearError('image');
    setReading(true);
    const result = await readQrFromImage(file);
    setReading(false);
    if (!result.ok) {
      setErrors((e) => ({ ...e, image: IMAGE_ERRORS[result.error]() }));
      return;
    }
    setImage({ name: file.name, text: result.value });
    // A picked image is a complete input: review it right away (with the fields as they are
    // now, not as they were when reading started).
    await latest.current.review('image', result.value);
  }

  async function readFile(file: File) {
    setMethod('file');
    clearError('file');
    clearError('filePassword');
    setAppFile({ file, read: null, password: '' });
    setReading(true);
    const read = await readAccountsFile(file, null);
    setReading(false);
    setAppFile({ file, read, password: '' });
    if (read.ok) await latest.current.review('file', null, read);
    // An encrypted file waits for its password (the panel asks); anything else is said now.
    else if (read.code !== 'password-needed') setErrors((e) => ({ ...e, file: fileErrorText(read.code, read.format) }));
  }

  const editFilePassword = (password: string) => {
    setAppFile((f) => ({ ...f, password }));
    clearError('filePassword');
  };

  /** What the file panel says of the file read: its app and how many accounts, or that it is encrypted. */
  const fileStatus = (() => {
    const { file, read } = appFile;
    if (!file || !read) return '';
    if (read.ok) return t('addFileRead', [file.name, APP_NAMES[read.format], String(read.collected.candidates.length + read.collected.skipped.length)]);
    return read.code === 'password-needed' || read.code === 'wrong-password' ? t('addFileEncrypted', [file.name, read.format ? APP_NAMES[read.format] : '']) : '';
  })();
  const filePasswordFor =
    appFile.read && !appFile.read.ok && (appFile.read.code === 'password-needed' || appFile.read.code === 'wrong-password') && appFile.read.format
      ? APP_NAMES[appFile.read.format]
      : null;

  // Handlers that outlive a render (paste listener, image and file reading) call the latest ones.
  const latest = useRef({ review, readImage });
  latest.current = { review, readImage };

  // Pasting an image anywhere in the view reads it (Ctrl+V after a screenshot).
  useEffect(() => {
    if (step !== 'input') return undefined;
    const onPaste = (e: ClipboardEvent) => {
      const file = firstImage(e.clipboardData);
      if (!file) return;
      e.preventDefault();
      void latest.current.readImage(file);
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, [step]);

  function selectTab(next: Method, focus: boolean) {
    setMethod(next);
    if (focus) tabRefs.current[next]?.focus();
  }

  function onTabKey(e: KeyboardEvent) {
    const i = METHODS.indexOf(method);
    const n = METHODS.length;
    const target =
      e.key === 'ArrowRight' ? METHODS[(i + 1) % n] : e.key === 'ArrowLeft' ? METHODS[(i - 1 + n) % n] : e.key === 'Home' ? METHODS[0] : e.key === 'End' ? METHODS[n - 1] : undefined;
    if (!target) return;
    e.preventDefault();
    selectTab(target, true);
  }

  const submit = (e: Event) => {
    e.preventDefault();
    void review(method);
  };

  // A file dropped outside the drop zone would otherwise replace the popup page. Text dragged
  // into a field keeps its default behaviour.
  const dragOver = (e: DragEvent) => {
    if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
  };
  const drop = (e: DragEvent) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    const image = firstImage(e.dataTransfer);
    const file = e.dataTransfer.files[0];
    // An image is a QR code; any other file may be another app's export.
    if (image) void readImage(image);
    else if (file) void readFile(file);
  };

  const editLink = (value: string) => {
    setLink(value);
    clearError('link');
  };

  const editKey = (patch: Partial<KeyFields>, field: KeyField | null) => {
    setKey((k) => ({ ...k, ...patch }));
    if (field) clearError(field);
  };

  /** From the saved step: a new input, the fields as saving left them. */
  const addAnother = () => {
    setErrors({});
    setStep('input');
  };

  /** From the review: back to the input as it was. */
  const backToInput = () => {
    setRequestError(null);
    setStep('input');
  };

  return {
    step, method, place, link, key, image, reading, errors, busy, requestError, preview, savedText, formRef, stepHeading, tabRefs,
    fileStatus, filePasswordFor, filePassword: appFile.password,
    submit, save, readImage, readFile, editFilePassword, selectTab, onTabKey, editPlace, editLink, editKey, dragOver, drop, addAnother, backToInput,
  };
}
