import jsonata from 'jsonata';

/** Bounds on one mapping evaluation: the payload comes from outside. */
export const MAPPING_TIMEOUT_MS = 250;
export const MAPPING_MAX_DEPTH = 200;
export const MAPPING_MAX_SEQUENCE = 10_000;
export const MAPPING_MAX_LENGTH = 10_000;

/**
 * Functions a mapping may not call: `$eval` compiles new expressions at run time (escaping the
 * static check), and `$toMillis` with a picture builds a regular expression open to
 * catastrophic backtracking on a crafted input. Regex literals are refused for the same reason:
 * a time guard cannot interrupt one synchronous regex match.
 */
const FORBIDDEN_FUNCTIONS = new Set(['eval', 'toMillis']);

export class MappingError extends Error {}

interface AstNode {
  type?: string;
  value?: unknown;
  procedure?: AstNode;
  [k: string]: unknown;
}

function forbiddenUse(node: unknown): string | null {
  if (node === null || typeof node !== 'object') return null;
  if (Array.isArray(node)) {
    for (const n of node) {
      const found = forbiddenUse(n);
      if (found) return found;
    }
    return null;
  }
  const n = node as AstNode;
  if (n.type === 'regex' || n.type === 'regexp')
    return 'regular expressions are not allowed in mappings';
  if (n.type === 'variable' && typeof n.value === 'string' && FORBIDDEN_FUNCTIONS.has(n.value)) {
    return `$${n.value} is not allowed in mappings`;
  }
  for (const [key, child] of Object.entries(n)) {
    if (key === 'position' || key === 'value') continue;
    const found = forbiddenUse(child);
    if (found) return found;
  }
  return null;
}

/** Compiles a mapping expression; throws MappingError with a reason fit for a 422. */
export function compileMapping(expression: string): jsonata.Expression {
  if (expression.length > MAPPING_MAX_LENGTH) {
    throw new MappingError(`expression is longer than ${MAPPING_MAX_LENGTH} characters`);
  }
  let compiled: jsonata.Expression;
  try {
    compiled = jsonata(expression, {
      timeout: MAPPING_TIMEOUT_MS,
      stack: MAPPING_MAX_DEPTH,
      sequence: MAPPING_MAX_SEQUENCE,
    });
  } catch (err) {
    throw new MappingError(`expression does not parse: ${(err as Error).message}`);
  }
  const forbidden = forbiddenUse(compiled.ast());
  if (forbidden) throw new MappingError(forbidden);
  return compiled;
}

/** Evaluates a mapping over a parsed payload; the result must be a JSON object (a create body). */
export async function evaluateMapping(
  expression: string,
  payload: unknown,
): Promise<Record<string, unknown>> {
  const compiled = compileMapping(expression);
  let result: unknown;
  try {
    result = await compiled.evaluate(payload);
  } catch (err) {
    throw new MappingError(`mapping failed: ${(err as Error).message}`);
  }
  if (result === null || typeof result !== 'object' || Array.isArray(result)) {
    throw new MappingError('mapping must yield a JSON object (the create body)');
  }
  // Round-trip so that sequences and functions jsonata may return become plain JSON.
  return JSON.parse(JSON.stringify(result)) as Record<string, unknown>;
}
