import fc from 'fast-check';

/**
 * fast-check arbitraries from the OpenAPI document's JSON schemas: values that conform (to
 * reach the handlers' happy paths) and hostile values (to reach their edges). Only what the
 * document uses is supported: $ref, allOf, nullable, enum, string formats and lengths, pattern,
 * integer/number bounds, arrays and objects.
 */

export type Schema = Record<string, unknown>;

export interface ArbitraryContext {
  /** Resolves `#/components/schemas/X`. */
  resolve(ref: string): Schema;
  /** Known values by property or parameter name (`cardId`, `labelIds`, `email`...). */
  ids(name: string): string[];
}

const MAX_DEPTH = 4;

/** Strings that have broken parsers, validators, SQL and logs somewhere. */
export const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '😀'.repeat(50),
  'x'.repeat(10_000),
  "'; DROP TABLE cards; --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '%00%ZZ',
  '${jndi:ldap://127.0.0.1/a}',
  '=cmd|" /C calc"!A0',
  '1e400',
  '-0',
  'NaN',
  'null',
  'true',
  '{"$gt":""}',
  '\r\nX-Injected: 1',
  'ＡＢＣ',
  'ß'.repeat(300),
];

export const HOSTILE_VALUES: unknown[] = [
  null,
  0,
  -1,
  1.5,
  2 ** 31,
  -(2 ** 53),
  1e308,
  true,
  false,
  [],
  [null],
  {},
  { nested: { deeper: { deepest: [1, [2, [3]]] } } },
  Array.from({ length: 1000 }, (_, i) => i),
  ...HOSTILE_STRINGS,
];

/** A JSON value nested `depth` levels deep (bounded: parse-time depth limits are tested apart). */
export function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i += 1) value = i % 2 ? [value] : { a: value };
  return value;
}

function idArbitrary(name: string, ctx: ArbitraryContext): fc.Arbitrary<string> {
  const known = ctx.ids(name);
  return known.length > 0
    ? fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...known) },
        { weight: 1, arbitrary: fc.uuid() },
      )
    : fc.uuid();
}

function stringArbitrary(
  schema: Schema,
  name: string,
  ctx: ArbitraryContext,
): fc.Arbitrary<string> {
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : 40, 200);
  let base: fc.Arbitrary<string>;
  switch (schema.format) {
    case 'uuid':
      return idArbitrary(name, ctx);
    case 'date-time':
      base = fc
        .date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2100-01-01T00:00:00Z'),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString());
      break;
    case 'date':
      base = fc
        .date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2100-01-01T00:00:00Z'),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString().slice(0, 10));
      break;
    case 'email':
      base = fc.emailAddress();
      break;
    case 'uri':
      base = fc.webUrl();
      break;
    default:
      base =
        typeof schema.pattern === 'string'
          ? fc.stringMatching(new RegExp(schema.pattern))
          : fc.string({
              minLength: Math.max(minLength, 1),
              maxLength: Math.max(maxLength, minLength, 1),
            });
  }
  const seeds = [...ctx.ids(name), ...(typeof schema.example === 'string' ? [schema.example] : [])];
  return seeds.length > 0 ? fc.oneof(fc.constantFrom(...seeds), base) : base;
}

/** Values that conform to `schema` (mostly: formats the document does not state may not). */
export function validValue(
  schema: Schema | undefined,
  ctx: ArbitraryContext,
  name = '',
  depth = 0,
): fc.Arbitrary<unknown> {
  if (!schema) return fc.constant(undefined);
  if (typeof schema.$ref === 'string')
    return validValue(ctx.resolve(schema.$ref), ctx, name, depth);
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    return validValue(
      Object.assign({}, ...(schema.allOf as Schema[]), { allOf: undefined }),
      ctx,
      name,
      depth,
    );
  }
  const arbitrary = nonNullValue(schema, ctx, name, depth);
  return schema.nullable ? fc.option(arbitrary, { nil: null, freq: 5 }) : arbitrary;
}

function nonNullValue(
  schema: Schema,
  ctx: ArbitraryContext,
  name: string,
  depth: number,
): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
  const max = typeof schema.maximum === 'number' ? schema.maximum : 1000;
  switch (schema.type) {
    case 'integer':
      return fc.integer({ min, max });
    case 'number':
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'string':
      return stringArbitrary(schema, name, ctx);
    case 'array': {
      const items = (schema.items ?? {}) as Schema;
      const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const maxLength = Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 5, 5);
      const item = validValue(items, ctx, name.replace(/Ids$/, 'Id'), depth + 1);
      return fc.array(item, { minLength, maxLength: Math.max(minLength, maxLength) });
    }
    default:
      return objectValue(schema, ctx, depth);
  }
}

function objectValue(schema: Schema, ctx: ArbitraryContext, depth: number): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  if (depth >= MAX_DEPTH || Object.keys(properties).length === 0) return fc.constant({});
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, property] of Object.entries(properties)) {
    record[key] = validValue(property, ctx, key, depth + 1);
  }
  const minimal: Record<string, fc.Arbitrary<unknown>> = {};
  for (const key of required) if (record[key]) minimal[key] = record[key];
  // Optional fields often constrain each other (after/before/placement): a body with only the
  // required ones reaches the handler's main path more often.
  return fc.oneof(fc.record(minimal), fc.record(record, { requiredKeys: [...required] }));
}

/** A valid value, or one broken in one place: a hostile value, a dropped or an unknown field. */
export function mutatedValue(
  schema: Schema | undefined,
  ctx: ArbitraryContext,
): fc.Arbitrary<unknown> {
  const valid = validValue(schema, ctx);
  const hostile = fc.constantFrom(...HOSTILE_VALUES);
  return fc.oneof(
    { weight: 6, arbitrary: valid },
    {
      weight: 4,
      arbitrary: fc.tuple(valid, fc.nat(), hostile).map(([value, pick, bad]) => {
        if (!value || typeof value !== 'object' || Array.isArray(value)) return bad;
        const keys = Object.keys(value);
        if (keys.length === 0) return { ...value, unexpected: bad };
        return { ...value, [keys[pick % keys.length]]: bad };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(valid, fc.nat()).map(([value, pick]) => {
        if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
        const entries = Object.entries(value as Record<string, unknown>);
        const dropped = entries.length > 0 ? pick % entries.length : -1;
        return Object.fromEntries(entries.filter((_, i) => i !== dropped));
      }),
    },
    {
      weight: 1,
      arbitrary: valid.map((v) =>
        v && typeof v === 'object' ? { ...v, __proto__x: 1, constructor: 'x' } : v,
      ),
    },
    { weight: 1, arbitrary: hostile },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 64 }).map(nested) },
  );
}
