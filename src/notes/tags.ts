/**
 * Tag normalisation, shared by note writes and the `tag` list filter so that both agree:
 * surrounding white space trimmed, Unicode NFC (one spelling of "é"), lower-case, and each tag
 * once, in the order first given.
 */
export function normaliseTag(tag: string): string {
  return tag.trim().normalize('NFC').toLowerCase();
}

export function normaliseTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map(normaliseTag))];
}

/** A tag may hold any character but a comma (the filter's separator) or a control character. */
export const TAG_PATTERN = /^[^,\p{Cc}]+$/u;

/**
 * The `tag` query parameter: repeated (`?tag=a&tag=b`) and/or comma-separated (`?tag=a,b`).
 * Empty pieces (`a,,b`, a trailing comma) are ignored. Anything but strings is returned as is,
 * for the validator to refuse.
 */
export function parseTagFilter(value: unknown): unknown {
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v): v is string => typeof v === 'string')) return value;
  const pieces = list.flatMap((v) => v.split(',')).map(normaliseTag);
  return [...new Set(pieces.filter((t) => t.length > 0))];
}
