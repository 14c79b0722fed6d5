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
