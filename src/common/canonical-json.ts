/**
 * JSON with object keys sorted at every depth and no insignificant white space, so that equal
 * values always serialise to the same bytes (request hashes, audit hash chain). Keys sort by
 * UTF-16 code units (`Array.prototype.sort`'s order); `undefined` members are dropped and
 * `undefined` array items become `null`, as `JSON.stringify` does. Written with plain loops: the
 * audit log hashes every event with it, in batches of hundreds.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) {
      if (i > 0) out += ',';
      out += canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
    first = false;
  }
  return `${out}}`;
}
