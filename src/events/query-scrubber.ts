/** What a scrubbed e-mail address becomes in a stored query. */
export const EMAIL_PLACEHOLDER = "[email]";
/** What a scrubbed phone- or card-like digit run becomes in a stored query. */
export const NUMBER_PLACEHOLDER = "[number]";

/** Digit runs with at least this many digits look like phone, card or account numbers. */
const MIN_SENSITIVE_DIGITS = 7;
/** Characters that may sit between the digit groups of one number: `+1 (555) 123-4567`, `4111 1111 1111 1111`. */
const NUMBER_SEPARATORS = new Set([" ", "-", ".", "(", ")", "/", "+"]);
/** At most this many separator characters between two digit groups. */
const MAX_SEPARATOR_RUN = 2;

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

/** A whitespace-free token with text, `@`, text, a dot and text after it, in one pass. */
function looksLikeEmail(token: string): boolean {
  const at = token.indexOf("@");
  if (at <= 0) return false;
  const dot = token.indexOf(".", at + 2);
  return dot > at + 1 && dot < token.length - 1;
}

/** Replaces every run of ≥ 7 digits (single groups or groups joined by up to two separators) by the placeholder. One pass. */
function scrubDigitRuns(text: string): string {
  const parts: string[] = [];
  let copiedUpTo = 0;
  let i = 0;
  while (i < text.length) {
    if (!isDigit(text[i])) {
      i += 1;
      continue;
    }
    let digits = 0;
    let end = i; // one past the run's last digit
    let j = i;
    while (j < text.length) {
      if (isDigit(text[j])) {
        digits += 1;
        j += 1;
        end = j;
        continue;
      }
      let k = j;
      while (k < text.length && k - j < MAX_SEPARATOR_RUN && NUMBER_SEPARATORS.has(text[k] as string)) k += 1;
      if (k === j || !isDigit(text[k])) break;
      j = k;
    }
    if (digits >= MIN_SENSITIVE_DIGITS) {
      // A leading "+" or "(" belongs to the number: `+1 (555) …`.
      let start = i;
      while (start > copiedUpTo && i - start < MAX_SEPARATOR_RUN && (text[start - 1] === "+" || text[start - 1] === "(")) start -= 1;
      parts.push(text.slice(copiedUpTo, start), NUMBER_PLACEHOLDER);
      copiedUpTo = end;
    }
    i = end;
  }
  parts.push(text.slice(copiedUpTo));
  return parts.join("");
}

/**
 * The query text the sidecar keeps: Unicode-normalized (NFKC), lower-cased, whitespace collapsed,
 * e-mail addresses and phone/card-like digit runs replaced by placeholders, cut to `maxLength`.
 * Linear in the input length (no regular expression that could backtrack).
 */
export function scrubQuery(raw: string, maxLength = 256): string {
  const tokens = raw.normalize("NFKC").toLowerCase().split(/\s+/).filter((token) => token !== "");
  const withoutEmails = tokens.map((token) => (looksLikeEmail(token) ? EMAIL_PLACEHOLDER : token)).join(" ");
  return scrubDigitRuns(withoutEmails).slice(0, maxLength).trim();
}
