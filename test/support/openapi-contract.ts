import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * Checks answers against the OpenAPI document the server serves: the status must be one the
 * operation documents, the media type one documented for that status, and a JSON body must
 * match its schema, with no property the schema does not declare (so a field the server adds,
 * renames or drops without the document fails). Used by the fuzz spec and the typed-client
 * check (scripts/openapi-client-check.mjs).
 */

type Json = Record<string, unknown>;

export interface ContractOperation {
  method: string;
  path: string;
  operationId: string;
  operation: Json;
}

const DOC_ID = 'openapi.json';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'];
/** Problems may carry extension members (RFC 9457 §3.2), e.g. `checks` on readiness. */
const OPEN_SCHEMAS = new Set(['Problem']);

// ajv-formats is CommonJS: its default export arrives wrapped under ESM on some loaders.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as (ajv: Ajv) => Ajv;

/** `$ref: '#/components/...'` → `openapi.json#/components/...`; objects closed to extras. */
function prepare(node: unknown, close: boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => prepare(n, close));
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/')) out[k] = `${DOC_ID}${v}`;
    else if (k === 'example' || k === 'examples') out[k] = v;
    else out[k] = prepare(v, close);
  }
  if (close && out.type === 'object' && out.properties && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

export class OpenApiContract {
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  readonly operations: ContractOperation[] = [];

  constructor(readonly document: Json) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addFormat('binary', true);
    const schemas = (document.components as { schemas?: Record<string, unknown> })?.schemas ?? {};
    const closed: Json = {};
    for (const [name, schema] of Object.entries(schemas)) {
      closed[name] = prepare(schema, !OPEN_SCHEMAS.has(name));
    }
    this.ajv.addSchema({ $id: DOC_ID, components: { schemas: closed } });
    for (const [path, item] of Object.entries(document.paths as Record<string, Json>)) {
      for (const method of HTTP_METHODS) {
        const operation = item[method] as Json | undefined;
        if (!operation) continue;
        this.operations.push({
          method: method.toUpperCase(),
          path,
          operationId: String(operation.operationId),
          operation,
        });
      }
    }
  }

  /** The operation whose template matches `method` and a concrete path (no query string). */
  find(method: string, path: string): ContractOperation | undefined {
    return this.operations.find(
      (o) =>
        o.method === method.toUpperCase() &&
        new RegExp(`^${o.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path),
    );
  }

  /** Every way the answer departs from the document (empty when it conforms). */
  check(
    op: ContractOperation,
    status: number,
    contentType: string | null,
    body: unknown,
  ): string[] {
    const where = `${op.method} ${op.path} → ${status}`;
    const responses = op.operation.responses as Record<string, Json>;
    const response = responses[String(status)] ?? responses[`${String(status)[0]}XX`];
    if (!response) {
      return [`${where}: status not documented (documented: ${Object.keys(responses).join(', ')})`];
    }
    const content = response.content as Record<string, { schema?: unknown }> | undefined;
    if (!content) {
      return body === undefined || body === '' ? [] : [`${where}: body sent, none documented`];
    }
    const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const entry = content[media];
    if (!entry) {
      return [
        `${where}: content type ${media || '(none)'} not documented (${Object.keys(content).join(', ')})`,
      ];
    }
    if (!/^application\/(?:[\w.-]+\+)?json$/.test(media) || !entry.schema) return [];
    const key = `${op.method} ${op.path} ${status} ${media}`;
    let validate = this.validators.get(key);
    if (!validate) {
      validate = this.ajv.compile(prepare(entry.schema, true) as Json);
      this.validators.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (e) =>
        `${where}: body${e.instancePath} ${e.message ?? 'invalid'} ${JSON.stringify(e.params)}`,
    );
  }
}
