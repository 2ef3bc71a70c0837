/**
 * Generic one-time-code field detection, for pages our Keycloak detection
 * (`lib/keycloak/page-detection.ts`) does not recognise: custom login themes, self-hosted variants,
 * other sites. Used only when the user asks for it (the "Fill one-time code" shortcut or
 * context-menu entry), never on page load.
 *
 * Evidence, strongest first (the keywords and exclusions the peers use; see
 * shared/reference/peers.md, "How they fill"):
 *  1. `autocomplete="one-time-code"`: the page says so (HTML autofill field name). It qualifies
 *     even against an exclusion keyword, since a page that declares it knows better than a word
 *     in its label ("Authentication or recovery code").
 *  2. An OTP keyword in the name, id, class, placeholder, aria-label or label text (totp, otp,
 *     one-time, 2fa, two-factor, mfa, verification code, security code, authenticator...).
 *     A segmented group (4 to 8 single-character boxes, see below) ranks just under this.
 *  3. A field called just "code" ("Code", "Enter code", "6-digit code").
 *  Exclusions disqualify: backup/recovery codes, postal/zip, coupon/promo/voucher, captcha and
 *  search anywhere; username/user/email/phone/password unless the same attribute or text also
 *  names an OTP ("One-time password", "code from the authenticator app on your phone").
 *
 * We never guess: two targets tying on the strongest evidence give `null`, and so does a pick
 * that turns out hidden by a stylesheet. The user can then focus the field and ask again: a
 * focused plausible text input is taken as chosen.
 *
 * Pure and cheap: receives the `Document` (no `document`/`window` global), one
 * `querySelectorAll('input')` pass (plus one lazy `label[for]` pass), hidden state read from the
 * `hidden`/`aria-hidden` attributes and inline styles, `getComputedStyle` (from
 * `doc.defaultView`) only on the final pick. Never throws.
 *
 * One file because it is one pass (the loop in `findOtpTarget` judges each input and chains the
 * segmented boxes together) and it is the whole of the generic-fill page script: moving the
 * keyword lists to a file of their own was tried and made the built script larger.
 */

export type OtpTarget =
  | { kind: 'single'; input: HTMLInputElement }
  | { kind: 'segmented'; inputs: HTMLInputElement[] };

/** Pages with more inputs than this are not searched (a spreadsheet-like app, not a login form). */
export const MAX_INPUTS = 2000;

const XHTML = 'http://www.w3.org/1999/xhtml';

/**
 * `type` values a code can be typed into. An unknown value is the Text state in HTML (the
 * attribute's invalid value default), so only the other known types are refused.
 */
const NON_TEXT_TYPES = new Set([
  'hidden', 'search', 'url', 'email', 'password', 'date', 'month', 'week', 'time', 'datetime-local',
  'datetime', 'range', 'color', 'checkbox', 'radio', 'file', 'submit', 'image', 'reset', 'button',
]);

/** Single-token OTP keywords (after splitting camelCase, `_`, `-` and other separators). */
const STRONG_TOKENS = new Set(['totp', 'otp', 'onetime', '2fa', 'twofactor', 'mfa', 'authenticator', 'onetimepassword']);
/** Adjacent-token OTP phrases: "one-time", "one_time", "two-factor", "Verification code"... */
const STRONG_PHRASES: ReadonlyArray<readonly [string, string]> = [
  ['one', 'time'], ['two', 'factor'], ['2', 'factor'], ['2', 'fa'],
  ['verification', 'code'], ['security', 'code'], ['authentication', 'code'],
];
/** Fused forms ending in one of these ("otpcode", "verificationcode") are read as the stem. */
const FUSED_SUFFIXES = ['code', 'token', 'pin'] as const;
const FUSED_STEMS = new Set([...STRONG_TOKENS, 'verification', 'security', 'authentication']);
/** Words that do not change what a "code" field is ("Enter the 6-digit code"). */
const FILLER = new Set(['enter', 'the', 'your', 'a', 'digit', 'digits', 'here', 'input', 'field']);

/** Not a one-time code, whatever else the field says (prefix match: "zipcode", "recoveryCodes"). */
const HARD_EXCLUSIONS = ['backup', 'recovery', 'postal', 'postcode', 'zip', 'coupon', 'promo', 'voucher', 'captcha', 'search'] as const;
/** Card fields, exact tokens: a card's "security code" (autocomplete `cc-csc`) is no OTP. */
const HARD_EXACT = new Set(['cc', 'cvc', 'cvv', 'csc']);
/**
 * Other credentials and contact fields (prefix match: "username", "emailAddress", "phoneNumber"),
 * unless the same source also names an OTP: "One-time password", "code from the authenticator
 * app on your phone".
 */
const SOFT_EXCLUSIONS = ['user', 'email', 'phone', 'password', 'passwd'] as const;
/**
 * Exact-token soft exclusions, in names, ids and autocomplete only: as prefixes they would catch
 * "telegram" or "mailbox", and in prose "Login code" or "check your mail" can describe an OTP.
 */
const IDENTITY_EXACT = new Set(['tel', 'mail', 'login']);

/** Evidence tiers. A segmented group without keywords ranks between a keyword and a bare "code". */
const SCORE = { autocomplete: 3, keyword: 2, group: 1.5, weak: 1 } as const;

interface Scan {
  doc: Document;
  /** Cheap hidden state per element (attributes and inline style), memoised over ancestors. */
  hiddenMemo: Map<Element, boolean>;
  /** label[for] texts by id, built on first use. */
  labelsFor: Map<string, string[]> | null;
}

interface Judged {
  /** Could hold a code: enabled, writable, text-like type, not cheaply known to be hidden. */
  plausible: boolean;
  /** Disqualified by an exclusion keyword (ignored when `autocomplete="one-time-code"`). */
  excluded: boolean;
  score: number;
}

/**
 * The field (or the segmented boxes) a one-time code should go into, or null when nothing
 * qualifies or the choice would be a guess.
 *
 * `focused` (normally `doc.activeElement`): a box of a segmented group gives that group; any
 * other plausible, non-excluded text input gives itself (the user chose it, keywords or not);
 * anything else falls back to searching the page.
 */
export function findOtpTarget(doc: Document, focused?: Element | null): OtpTarget | null {
  try {
    const all = doc.querySelectorAll('input');
    if (all.length > MAX_INPUTS) return null;
    const scan: Scan = { doc, hiddenMemo: new Map(), labelsFor: null };

    // One pass: judge every input, chain single-character boxes into segmented groups.
    const judged = new Map<HTMLInputElement, Judged>();
    const groups: HTMLInputElement[][] = [];
    let chain: HTMLInputElement[] = [];
    const closeChain = () => {
      groups.push(...groupsOfChain(chain));
      chain = [];
    };
    for (const el of all) {
      if (!isHtmlInput(el)) continue;
      const j = judge(scan, el);
      judged.set(el, j);
      if (!j.plausible) continue; // hidden inputs (the page's own joined `code`) do not break a group
      const box = !j.excluded && isBox(el);
      if (box && (chain.length === 0 || sameGrandparent(chain[0] as HTMLInputElement, el))) {
        chain.push(el);
        continue;
      }
      closeChain();
      if (box) chain.push(el);
    }
    closeChain();

    // Connected and ours: not an input of another frame's document or of an inert <template>.
    const focusedInput = isHtmlInput(focused) && focused.ownerDocument === doc && focused.isConnected ? focused : null;
    if (focusedInput) {
      const group = groups.find((g) => g.includes(focusedInput));
      if (group) return { kind: 'segmented', inputs: [...group] };
      const j = judged.get(focusedInput) ?? judge(scan, focusedInput);
      // Focus proves it is rendered: no computed-style check.
      if (j.plausible && !j.excluded) return { kind: 'single', input: focusedInput };
    }

    type Ranked = { score: number; target: OtpTarget };
    const ranked: Ranked[] = [];
    const inGroup = new Set(groups.flat());
    for (const [input, j] of judged) {
      if (!j.plausible || j.excluded || j.score <= 0 || inGroup.has(input)) continue;
      // A code does not fit a field limited to fewer than 6 characters (a 4-digit SMS PIN).
      const max = maxLength(input);
      if (max !== null && max < 6) continue;
      ranked.push({ score: j.score, target: { kind: 'single', input } });
    }
    for (const g of groups) {
      const best = Math.max(SCORE.group, ...g.map((i) => judged.get(i)?.score ?? 0));
      ranked.push({ score: best, target: { kind: 'segmented', inputs: [...g] } });
    }
    if (ranked.length === 0) return null;
    const top = Math.max(...ranked.map((r) => r.score));
    const winners = ranked.filter((r) => r.score === top);
    if (winners.length !== 1) return null; // a tie on the strongest evidence: never guess
    const pick = (winners[0] as Ranked).target;
    const elements = pick.kind === 'single' ? [pick.input] : pick.inputs;
    return renderedHidden(doc, elements) ? null : pick;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Judging one input

function isHtmlInput(el: Element | null | undefined): el is HTMLInputElement {
  return el != null && el.localName === 'input' && el.namespaceURI === XHTML;
}

function judge(scan: Scan, input: HTMLInputElement): Judged {
  const type = (input.getAttribute('type') ?? '').trim().toLowerCase();
  const plausible =
    !NON_TEXT_TYPES.has(type) &&
    !input.hasAttribute('disabled') &&
    !input.hasAttribute('readonly') &&
    !cheaplyHidden(scan, input) &&
    input.closest('fieldset[disabled]') == null;
  if (!plausible) return { plausible, excluded: false, score: 0 };

  const autocomplete = (input.getAttribute('autocomplete') ?? '').toLowerCase();
  const oneTimeCode = autocomplete.split(/\s+/).includes('one-time-code');
  // Identifiers name what the field is; class names are noisy ("user-select-none"), so they
  // only count for keywords and hard exclusions; prose is the label, placeholder, aria-label.
  const identity = [input.getAttribute('name'), input.id, oneTimeCode ? null : autocomplete];
  const prose = [input.getAttribute('placeholder'), input.getAttribute('aria-label'), ...labelTexts(scan, input)];
  let excluded = false;
  let strong = false;
  let weak = false;
  const consider = (source: string | null | undefined, kind: 'identity' | 'class' | 'prose') => {
    if (!source) return;
    const t = tokens(source);
    if (t.length === 0) return;
    const s = hasStrong(t);
    strong ||= s;
    weak ||= isBareCode(t);
    if (t.some(isHardExclusion)) excluded = true;
    else if (kind !== 'class' && !s && t.some((w) => isSoftExclusion(w) || (kind === 'identity' && IDENTITY_EXACT.has(w)))) {
      excluded = true;
    }
  };
  for (const s of identity) consider(s, 'identity');
  consider(input.getAttribute('class'), 'class');
  for (const s of prose) consider(s, 'prose');

  if (oneTimeCode) return { plausible, excluded: false, score: SCORE.autocomplete };
  if (excluded) return { plausible, excluded, score: 0 };
  return { plausible, excluded, score: strong ? SCORE.keyword : weak ? SCORE.weak : 0 };
}

/** Lower-case words of an attribute or text: "appOtp" and "app_otp" are both ["app", "otp"]. */
function tokens(s: string): string[] {
  return s
    .slice(0, 256)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
}

function hasStrong(t: string[]): boolean {
  for (let i = 0; i < t.length; i++) {
    const w = t[i] as string;
    if (STRONG_TOKENS.has(w)) return true;
    for (const suffix of FUSED_SUFFIXES) {
      if (w.length > suffix.length && w.endsWith(suffix) && FUSED_STEMS.has(w.slice(0, -suffix.length))) return true;
    }
    const next = t[i + 1];
    if (next !== undefined && STRONG_PHRASES.some(([a, b]) => a === w && b === next)) return true;
  }
  return false;
}

/** "code" alone, give or take numbers and filler: "Code", "code", "Enter code", "6-digit code". */
function isBareCode(t: string[]): boolean {
  const rest = t.filter((w) => !FILLER.has(w) && !/^\d+$/.test(w));
  return rest.length === 1 && rest[0] === 'code';
}

const isHardExclusion = (w: string) => HARD_EXACT.has(w) || HARD_EXCLUSIONS.some((x) => w.startsWith(x));
const isSoftExclusion = (w: string) => SOFT_EXCLUSIONS.some((x) => w.startsWith(x));

/** Label texts: `label[for=id]`, the wrapping label (unless it is for another element), aria-labelledby. */
function labelTexts(scan: Scan, input: HTMLInputElement): string[] {
  const out: string[] = [];
  if (input.id) {
    if (!scan.labelsFor) {
      scan.labelsFor = new Map();
      let n = 0;
      for (const l of scan.doc.querySelectorAll('label[for]')) {
        if (++n > MAX_INPUTS) break;
        const f = l.getAttribute('for') ?? '';
        const list = scan.labelsFor.get(f) ?? [];
        list.push(shortText(l));
        scan.labelsFor.set(f, list);
      }
    }
    out.push(...(scan.labelsFor.get(input.id) ?? []));
  }
  const wrapping = input.closest('label');
  if (wrapping) {
    const f = wrapping.getAttribute('for');
    if (f == null || f === input.id) out.push(shortText(wrapping));
  }
  const ids = (input.getAttribute('aria-labelledby') ?? '').split(/\s+/).filter(Boolean).slice(0, 4);
  for (const id of ids) {
    const el = scan.doc.getElementById(id);
    if (el) out.push(shortText(el));
  }
  return out;
}

function shortText(el: Element): string {
  return (el.textContent ?? '').slice(0, 256).replace(/\s+/g, ' ').trim();
}

const DISPLAY_NONE = /(?:^|;)\s*display\s*:\s*none\s*(?:!important\s*)?(?:;|$)/i;
const VISIBILITY_HIDDEN = /(?:^|;)\s*visibility\s*:\s*(?:hidden|collapse)\s*(?:!important\s*)?(?:;|$)/i;

function selfHidden(el: Element): boolean {
  if (el.hasAttribute('hidden') || el.getAttribute('aria-hidden') === 'true') return true;
  const style = el.getAttribute('style');
  return style != null && (DISPLAY_NONE.test(style) || VISIBILITY_HIDDEN.test(style));
}

/** Hidden by itself or an ancestor, as far as attributes and inline styles tell; memoised. */
function cheaplyHidden(scan: Scan, el: Element): boolean {
  const path: Element[] = [];
  let result = false;
  for (let cur: Element | null = el; cur; cur = cur.parentElement) {
    const known = scan.hiddenMemo.get(cur);
    if (known !== undefined) {
      result = known;
      break;
    }
    path.push(cur);
    if (selfHidden(cur)) {
      result = true;
      break;
    }
  }
  for (const p of path) scan.hiddenMemo.set(p, result);
  return result;
}

function maxLength(input: HTMLInputElement): number | null {
  const v = input.getAttribute('maxlength');
  if (v == null || !/^\s*\d+\s*$/.test(v)) return null;
  return Number(v);
}

// ---------------------------------------------------------------------------------------------
// Segmented boxes

const NARROW_WIDTH = /(?:^|;)\s*width\s*:\s*(\d+(?:\.\d+)?)\s*(px|em|rem|ch)\s*(?:!important\s*)?(?:;|$)/i;

/** One character per box: maxlength=1, size=1, or an inline width of a character or two. */
function isBox(input: HTMLInputElement): boolean {
  if (maxLength(input) === 1 || (input.getAttribute('size') ?? '').trim() === '1') return true;
  const m = NARROW_WIDTH.exec(input.getAttribute('style') ?? '');
  if (!m) return false;
  const n = Number(m[1]);
  return (m[2] ?? '').toLowerCase() === 'px' ? n > 0 && n <= 64 : n > 0 && n <= 4;
}

const grandparent = (el: Element) => el.parentElement?.parentElement ?? null;

function sameGrandparent(a: Element, b: Element): boolean {
  const g = grandparent(a);
  return a.parentElement === b.parentElement || (g != null && g === grandparent(b));
}

/**
 * A chain is a run of consecutive boxes under one grandparent. Of 4 to 8 boxes it is one group
 * (boxes in one parent, split across two parents, or each in its own wrapper); a longer chain
 * is split by parent (two six-box groups side by side in one form), keeping runs of 4 to 8.
 */
function groupsOfChain(chain: HTMLInputElement[]): HTMLInputElement[][] {
  if (chain.length < 4) return [];
  if (chain.length <= 8) return [chain];
  const out: HTMLInputElement[][] = [];
  let run: HTMLInputElement[] = [];
  for (const box of chain) {
    if (run.length > 0 && (run[0] as HTMLInputElement).parentElement !== box.parentElement) {
      if (run.length >= 4 && run.length <= 8) out.push(run);
      run = [];
    }
    run.push(box);
  }
  if (run.length >= 4 && run.length <= 8) out.push(run);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Final check

/**
 * Whether a stylesheet hides the pick (display:none on it or an ancestor, or visibility hidden),
 * read with the page's own `getComputedStyle`. Only the pick is checked: per-input computed style
 * would force style recalculation across the whole page.
 */
function renderedHidden(doc: Document, elements: Element[]): boolean {
  const view = doc.defaultView;
  if (!view || typeof view.getComputedStyle !== 'function') return false;
  const checked = new Set<Element>();
  for (const el of elements) {
    const own = view.getComputedStyle(el);
    if (own.visibility === 'hidden' || own.visibility === 'collapse') return true;
    let depth = 0;
    for (let cur: Element | null = el; cur && depth < 256; cur = cur.parentElement, depth++) {
      if (checked.has(cur)) break;
      checked.add(cur);
      if ((cur === el ? own : view.getComputedStyle(cur)).display === 'none') return true;
    }
  }
  return false;
}
