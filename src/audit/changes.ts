export type Changes = Record<string, { from: unknown; to: unknown }>;

/** Field names whose values never enter the log, whatever the module. */
const SECRET_FIELD = /password|secret|token|hash|apikey|api_key|authorization/i;
export const REDACTED = '[redacted]';

/**
 * The changed fields between two snapshots, as `{field: {from, to}}`. Only `fields` are
 * compared; values are compared by their JSON form (dates, arrays, objects).
 */
export function diffChanges(
  before: object | null,
  after: object | null,
  fields: string[],
): Changes {
  const changes: Changes = {};
  for (const field of fields) {
    const from = before ? normalise((before as Record<string, unknown>)[field]) : null;
    const to = after ? normalise((after as Record<string, unknown>)[field]) : null;
    if (JSON.stringify(from) !== JSON.stringify(to)) changes[field] = { from, to };
  }
  return changes;
}

function normalise(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return value;
}

/** Replaces secret-looking fields' values, even if a module passed them by mistake. */
export function redactChanges(changes: Changes): Changes {
  if (!Object.keys(changes).some((field) => SECRET_FIELD.test(field))) return changes;
  return Object.fromEntries(
    Object.entries(changes).map(([field, change]) =>
      SECRET_FIELD.test(field)
        ? [
            field,
            {
              from: change.from === null ? null : REDACTED,
              to: change.to === null ? null : REDACTED,
            },
          ]
        : [field, change],
    ),
  );
}

/** U+0000 and lone surrogates: valid in a JS string, refused by PostgreSQL's jsonb. */
// eslint-disable-next-line no-control-regex -- matching U+0000 is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const REPLACEMENT_CHARACTER = '\uFFFD';

const storable = (s: string): string => s.replace(UNSTORABLE, REPLACEMENT_CHARACTER);

function storableDeep(value: unknown): unknown {
  if (typeof value === 'string') return storable(value);
  if (Array.isArray(value)) return value.map(storableDeep);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [storable(k), storableDeep(v)]),
    );
  }
  return value;
}

/**
 * The changes exactly as jsonb stores and returns them, so that the hash computed before the
 * insert equals the one recomputed from the stored row: a JSON round trip (dates become ISO
 * strings, `undefined` disappears, `toJSON` applies, non-finite numbers become null), and
 * strings made storable (NUL and lone surrogates become U+FFFD) instead of failing the insert.
 */
export function normaliseChanges(changes: Changes): Changes {
  const json = JSON.stringify(changes);
  // JSON.stringify writes NUL and lone surrogates as `\u0000` / `\udXXX` escapes: without one
  // (the usual case) there is nothing to replace. A false alarm only takes the slower path.
  if (!MAYBE_UNSTORABLE_JSON.test(json)) return JSON.parse(json) as Changes;
  return storableDeep(JSON.parse(json)) as Changes;
}

const MAYBE_UNSTORABLE_JSON = /\\u(?:0000|d[89a-f])/i;
