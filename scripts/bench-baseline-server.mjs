#!/usr/bin/env node
// The yardstick of `npm run bench -- --baseline`: the four benchmarked routes of workdeck written
// on plain Fastify + pg, without Nest, TypeORM, interceptors, pipes or a logger, but doing the
// same work per request: the same JWT verification, the same statements in the same order on
// one connection (the same prepared-statement names where workdeck names them), the same
// transactions, row locks, advisory lock, audit chain append (same hash) and idempotency record,
// and the same status, headers and body bytes. The bench checks that before measuring
// (scripts/bench.mjs, checkBaseline), so a change of workdeck's SQL shows up there first.
//
// Not done here, on purpose: rate limiting (off in the bench: limits of 10^9) and the request
// metrics histogram, which are not part of what the benchmark compares.
//
// The product's own pure functions (audit hash, change diff, order keys, canonical JSON) come
// from dist/ (the bench builds it first): the baseline must compute the same values, and their
// cost is the product's, not the framework's.
import { createHash, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { eventHash } from '../dist/src/audit/audit-hash.js';
import { diffChanges, normaliseChanges, redactChanges } from '../dist/src/audit/changes.js';
import { keyBetween } from '../dist/src/board/ordering.js';
import { canonicalJson } from '../dist/src/common/canonical-json.js';

const env = process.env;
const SECRET = env.JWT_SECRET;
if (!SECRET) throw new Error('JWT_SECRET is required');
const JWT_KEY = createSecretKey(Buffer.from(SECRET, 'utf8'));
const CURSOR_KEY = `cursor:${SECRET}`;
const IDEMPOTENCY_TTL_MS = Number(env.IDEMPOTENCY_TTL_HOURS ?? 24) * 3_600_000;

const pool = new pg.Pool({
  connectionString: env.DATABASE_URL,
  max: Number(env.DB_POOL_SIZE ?? 10),
  statement_timeout: Number(env.DB_STATEMENT_TIMEOUT_MS ?? 3000) || undefined,
  connectionTimeoutMillis: 5000,
  application_name: 'workdeck-baseline',
});

// ---- what workdeck answers, precomputed -------------------------------------------------------

/** The security headers workdeck's helmet configuration sends, as one constant. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self' 'unsafe-inline';script-src-attr 'none';style-src 'self' 'unsafe-inline';upgrade-insecure-requests",
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

class HttpProblem extends Error {
  constructor(status, title, detail) {
    super(detail);
    this.status = status;
    this.title = title;
  }
}
const notFound = (detail) => new HttpProblem(404, 'Not Found', detail);
const unprocessable = (detail) => new HttpProblem(422, 'Unprocessable Content', detail);

// ---- SQL: the texts workdeck sends (see src/board/cards.queries.ts and its callers) ------------

const memberRoleSql = (workspaceSql, userParam) =>
  `(SELECT m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
     WHERE m.workspace_id = ${workspaceSql} AND m.user_id = ${userParam}::uuid
       AND w.deleted_at IS NULL)`;

const BOARD_WITH_ROLE_SQL = `SELECT id, workspace_id AS "workspaceId", name, description,
    created_by AS "createdBy", archived_at AS "archivedAt", version, created_at AS "createdAt",
    updated_at AS "updatedAt", ${memberRoleSql('b.workspace_id', '$2')} AS "memberRole"
  FROM boards b WHERE id = $1`;

const CARD_SCALARS = `c.id, c.workspace_id AS "workspaceId", c.board_id AS "boardId",
  c.column_id AS "columnId", c.position, c.title, c.due_at AS "dueAt",
  c.archived_at AS "archivedAt", c.column_entered_at AS "columnEnteredAt",
  c.done_first_at AS "doneFirstAt", c.done_last_at AS "doneLastAt", c.created_by AS "createdBy",
  c.version, c.created_at AS "createdAt", c.updated_at AS "updatedAt"`;

const isoText = (column, alias) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "${alias}"`;

const CARD_SCALARS_ISO = `c.id, c.workspace_id AS "workspaceId", c.board_id AS "boardId",
  c.column_id AS "columnId", c.position, c.title, ${isoText('c.due_at', 'dueAt')},
  ${isoText('c.archived_at', 'archivedAt')}, ${isoText('c.column_entered_at', 'columnEnteredAt')},
  ${isoText('c.done_first_at', 'doneFirstAt')}, ${isoText('c.done_last_at', 'doneLastAt')},
  c.created_by AS "createdBy", c.version, ${isoText('c.created_at', 'createdAt')},
  ${isoText('c.updated_at', 'updatedAt')}`;

const cardSets = (ws, board, card) => `
  ARRAY(SELECT cl.label_id::text FROM card_labels cl
         WHERE cl.workspace_id = ${ws} AND cl.board_id = ${board} AND cl.card_id = ${card}
         ORDER BY cl.label_id) AS "labelIds",
  ARRAY(SELECT ca.user_id::text FROM card_assignees ca
         WHERE ca.workspace_id = ${ws} AND ca.board_id = ${board} AND ca.card_id = ${card}
         ORDER BY ca.user_id) AS "assigneeIds"`;

const CARD_WITH_ACCESS_SQL = `SELECT ${CARD_SCALARS}, c.description, c.checklist,
      ${cardSets('c.workspace_id', 'c.board_id', 'c.id')},
      ${memberRoleSql('c.workspace_id', '$2')} AS "memberRole",
      (SELECT b.archived_at FROM boards b WHERE b.workspace_id = c.workspace_id AND b.id = c.board_id)
        AS "boardArchivedAt"
       FROM cards c WHERE c.id = $1`;

const FIND_CARD_SQL = `SELECT ${CARD_SCALARS}, c.description, c.checklist,
      ${cardSets('c.workspace_id', 'c.board_id', 'c.id')}
       FROM cards c WHERE c.id = $1`;

const LOCK_COLUMN_SQL = `SELECT col.id, col.workspace_id AS "workspaceId", col.board_id AS "boardId", col.position,
            col.wip_limit AS "wipLimit", col.is_done AS "isDone", b.archived_at AS "boardArchivedAt"
       FROM board_columns col
       JOIN boards b ON b.workspace_id = col.workspace_id AND b.id = col.board_id
      WHERE col.id = $1
        FOR UPDATE OF col`;

const FIRST_COLUMN_SQL = `SELECT id FROM board_columns WHERE workspace_id = $1 AND board_id = $2
        ORDER BY position, id LIMIT 1`;

const COUNT_ACTIVE_SQL = `SELECT count(*)::int AS n FROM cards
      WHERE workspace_id = $1 AND board_id = $2 AND column_id = $3 AND archived_at IS NULL
        AND ($4::uuid IS NULL OR id <> $4::uuid)`;

/** The last (or first) card of a column, not counting `$4`: the bottom (top) neighbour. */
const endNeighbourSql = (
  dir,
) => `SELECT id, column_id AS "columnId", board_id AS "boardId", position
       FROM cards
      WHERE workspace_id = $1 AND board_id = $2 AND column_id = $3
        AND ($4::uuid IS NULL OR id <> $4::uuid) 
      ORDER BY position ${dir}, id ${dir}
      LIMIT 1`;
const LAST_CARD_SQL = endNeighbourSql('DESC');
const FIRST_CARD_SQL = endNeighbourSql('ASC');

const INSERT_CARD_SQL = `INSERT INTO cards AS c (id, workspace_id, board_id, column_id, position, title, description,
                             due_at, checklist, created_by, done_first_at, done_last_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10,
             CASE WHEN $11 THEN now() END, CASE WHEN $11 THEN now() END)
     RETURNING ${CARD_SCALARS}, c.description, c.checklist`;

const MOVE_CARD_SQL = `UPDATE cards AS c
        SET column_id = $3::uuid, position = $4::text, version = c.version + 1, updated_at = now(),
            column_entered_at = CASE WHEN $5::boolean THEN now() ELSE c.column_entered_at END,
            done_first_at = CASE WHEN $5::boolean AND $6::boolean THEN COALESCE(c.done_first_at, now())
                                 ELSE c.done_first_at END,
            done_last_at = CASE WHEN $5::boolean AND $6::boolean THEN now() ELSE c.done_last_at END
      WHERE c.workspace_id = $1 AND c.id = $2 AND c.version = $7
     RETURNING ${CARD_SCALARS}, c.description, c.checklist,
       ${cardSets('c.workspace_id', 'c.board_id', 'c.id')}`;

const LOCK_HEAD_SQL = `SELECT last_seq AS "lastSeq", last_hash AS "lastHash", last_occurred_at AS "lastOccurredAt"
           FROM audit_chain_heads WHERE chain_key = $1 FOR NO KEY UPDATE`;
const INSERT_HEAD_SQL =
  'INSERT INTO audit_chain_heads (chain_key, last_seq, last_hash) VALUES ($1, 0, $2) ON CONFLICT (chain_key) DO NOTHING';
const APPEND_EVENT_SQL = `WITH event AS (
         INSERT INTO audit_events (id, workspace_id, chain_key, seq, actor_type, actor_id, action,
                                   entity_type, entity_id, changes, request_id, ip, user_agent,
                                   occurred_at, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, $14, $15, $16)
       )
       UPDATE audit_chain_heads SET last_seq = $4, last_hash = $16, last_occurred_at = $14
        WHERE chain_key = $3`;

// The idempotency record's statements (src/common/idempotency.interceptor.ts), prepared there.
const IDEMPOTENCY_LOCK_SQL = 'SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked';
const IDEMPOTENCY_FIND_SQL = `SELECT id, request_hash AS "requestHash", response_body AS "responseBody",
    expires_at AS "expiresAt"
  FROM idempotency_records WHERE caller = $1 AND key = $2`;
const IDEMPOTENCY_DELETE_SQL = 'DELETE FROM idempotency_records WHERE id = $1';
const IDEMPOTENCY_INSERT_SQL = `INSERT INTO idempotency_records
    (id, caller, key, request_hash, response_status, response_body, expires_at)
  VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`;

const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** The list page statement for the bench's shapes (no filters; with or without a cursor). */
function cardPageSql(withCursor, take) {
  const outer = withCursor ? ['(col.position, col.id) >= ($3, $4::uuid)'] : [];
  const inner = ['c.archived_at IS NULL'];
  if (withCursor) {
    inner.push(
      `(c.position, c.id) > (CASE WHEN col.id = $4::uuid THEN $5 ELSE '' END,
                             CASE WHEN col.id = $4::uuid THEN $6::uuid ELSE '${NIL_UUID}'::uuid END)`,
    );
  }
  return `
    SELECT page.*, ${cardSets('$1', '$2', 'page.id')}
      FROM (
        SELECT col.position AS "columnPosition", ${CARD_SCALARS_ISO},
               octet_length(c.description) > 0 AS "hasDescription",
               jsonb_array_length(c.checklist) AS "checklistTotal",
               (SELECT count(*)::int FROM jsonb_array_elements(c.checklist) item
                 WHERE item->>'done' = 'true') AS "checklistDone"
          FROM board_columns col
          CROSS JOIN LATERAL (
            SELECT c.* FROM cards c
             WHERE c.workspace_id = $1 AND c.board_id = $2 AND c.column_id = col.id
               AND ${inner.join('\n               AND ')}
             ORDER BY c.position, c.id
             LIMIT ${take}
          ) c
         WHERE col.workspace_id = $1 AND col.board_id = $2
           ${outer.map((o) => `AND ${o}`).join('\n           ')}
         ORDER BY col.position, col.id, c.position, c.id
         LIMIT ${take}
      ) page
     ORDER BY page."columnPosition", page."columnId", page.position, page.id`;
}

/** Prepared-statement names as workdeck makes them: prefix and a hash of the text. */
const statementNames = new Map();
function statementName(prefix, sql) {
  const key = `${prefix}\0${sql}`;
  let name = statementNames.get(key);
  if (!name) {
    name = `${prefix}_${createHash('sha1').update(sql).digest('base64url').slice(0, 16)}`;
    statementNames.set(key, name);
  }
  return name;
}
const pageSqlCache = new Map();
function cardPageStatement(withCursor, take) {
  const key = `${withCursor}:${take}`;
  let statement = pageSqlCache.get(key);
  if (!statement) {
    const text = cardPageSql(withCursor, take);
    statement = { text, name: statementName('card_page', text) };
    pageSqlCache.set(key, statement);
  }
  return statement;
}
const BOARD_ACCESS_NAME = statementName('board_access', BOARD_WITH_ROLE_SQL);
const prepared = (prefix, text) => ({ name: statementName(prefix, text), text });
const IDEMPOTENCY_LOCK = prepared('idempotency_lock', IDEMPOTENCY_LOCK_SQL);
const IDEMPOTENCY_FIND = prepared('idempotency_find', IDEMPOTENCY_FIND_SQL);
const IDEMPOTENCY_DELETE = prepared('idempotency_delete', IDEMPOTENCY_DELETE_SQL);
const IDEMPOTENCY_INSERT = prepared('idempotency_insert', IDEMPOTENCY_INSERT_SQL);

// ---- helpers -----------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROLE_RANK = { viewer: 1, member: 2, admin: 3, owner: 4 };

function uuidParam(value, name) {
  if (!UUID.test(value))
    throw new HttpProblem(400, 'Bad Request', `Path parameter ${name} must be a UUID.`);
  return value;
}

/** Bearer JWT access token, verified as workdeck's guard does (HS256, typ access). */
function authenticate(request) {
  const [scheme, token] = (request.headers.authorization ?? '').split(' ');
  if (scheme?.toLowerCase() !== 'bearer' || !token)
    throw new HttpProblem(401, 'Unauthorized', 'no token');
  try {
    const claims = jwt.verify(token, JWT_KEY, { algorithms: ['HS256'] });
    if (claims.typ !== 'access') throw new Error('not an access token');
    return claims.sub;
  } catch {
    throw new HttpProblem(
      401,
      'Unauthorized',
      'The access token is invalid or expired; refresh it.',
    );
  }
}

function authorize(role, minRole, notFoundDetail) {
  if (!role) throw notFound(notFoundDetail);
  if (ROLE_RANK[role] < ROLE_RANK[minRole]) throw new HttpProblem(403, 'Forbidden', 'role');
}

const iso = (d) => (d ? d.toISOString() : null);

const toCardResponse = (c) => ({
  id: c.id,
  boardId: c.boardId,
  columnId: c.columnId,
  position: c.position,
  title: c.title,
  labelIds: c.labelIds,
  assigneeIds: c.assigneeIds,
  dueAt: iso(c.dueAt),
  archived: c.archivedAt !== null,
  archivedAt: iso(c.archivedAt),
  columnEnteredAt: c.columnEnteredAt.toISOString(),
  doneFirstAt: iso(c.doneFirstAt),
  doneLastAt: iso(c.doneLastAt),
  createdBy: c.createdBy,
  version: c.version,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
  description: c.description,
  checklist: c.checklist.map((item) => ({ text: item.text, done: item.done })),
});

const toCardSummary = (c) => ({
  id: c.id,
  boardId: c.boardId,
  columnId: c.columnId,
  position: c.position,
  title: c.title,
  labelIds: c.labelIds,
  assigneeIds: c.assigneeIds,
  dueAt: c.dueAt,
  archived: c.archivedAt !== null,
  archivedAt: c.archivedAt,
  columnEnteredAt: c.columnEnteredAt,
  doneFirstAt: c.doneFirstAt,
  doneLastAt: c.doneLastAt,
  createdBy: c.createdBy,
  version: c.version,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
  hasDescription: c.hasDescription,
  checklistTotal: c.checklistTotal,
  checklistDone: c.checklistDone,
});

function cursorMac(payload) {
  return createHmac('sha256', CURSOR_KEY)
    .update(payload)
    .digest()
    .subarray(0, 12)
    .toString('base64url');
}
const encodeCursor = (values) => {
  const payload = Buffer.from(JSON.stringify(values)).toString('base64url');
  return `${payload}.${cursorMac(payload)}`;
};
function decodeCursor(cursor) {
  const invalid = () => new HttpProblem(400, 'Bad Request', 'The cursor is invalid.');
  const [payload, mac] = cursor.split('.');
  const expected = payload ? cursorMac(payload) : '';
  if (
    !payload ||
    !mac ||
    mac.length !== expected.length ||
    !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))
  ) {
    throw invalid();
  }
  let values;
  try {
    values = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (
    !Array.isArray(values) ||
    values.length !== 4 ||
    !values.every((v) => typeof v === 'string') ||
    !UUID.test(values[1]) ||
    !UUID.test(values[3])
  ) {
    throw invalid();
  }
  return values;
}

/** One connection for the request; a transaction as TypeORM opens and ends it. */
async function withConnection(work) {
  const client = await pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}
async function inTransaction(client, work) {
  await client.query('START TRANSACTION');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

const CARD_FIELDS = [
  'title',
  'description',
  'columnId',
  'position',
  'labelIds',
  'assigneeIds',
  'dueAt',
  'checklist',
  'archivedAt',
];

/** Audit append, as AuditService.record: lock the chain head, hash, insert + head update. */
async function recordCardEvent(client, meta, card, action, changes) {
  const chainKey = `ws:${card.workspaceId}`;
  let [head] = (await client.query(LOCK_HEAD_SQL, [chainKey])).rows;
  if (!head) {
    await client.query(INSERT_HEAD_SQL, [chainKey, '0'.repeat(64)]);
    [head] = (await client.query(LOCK_HEAD_SQL, [chainKey])).rows;
  }
  const last = head.lastOccurredAt ? new Date(head.lastOccurredAt).getTime() : 0;
  const hashed = {
    id: uuidv7(),
    workspaceId: card.workspaceId,
    chainKey,
    seq: String(BigInt(head.lastSeq) + 1n),
    actor: { type: 'user', id: meta.userId },
    action,
    entityType: 'card',
    entityId: card.id,
    changes: normaliseChanges(redactChanges(changes)),
    requestId: meta.requestId,
    ip: meta.ip,
    userAgent: meta.userAgent?.slice(0, 512) ?? null,
    occurredAt: new Date(Math.max(Date.now(), last)).toISOString(),
    prevHash: head.lastHash,
  };
  const hash = eventHash(hashed);
  await client.query(APPEND_EVENT_SQL, [
    hashed.id,
    hashed.workspaceId,
    chainKey,
    hashed.seq,
    'user',
    meta.userId,
    action,
    'card',
    card.id,
    JSON.stringify(hashed.changes),
    hashed.requestId,
    hashed.ip,
    hashed.userAgent,
    new Date(hashed.occurredAt),
    hashed.prevHash,
    hash,
  ]);
}

/** Locks the target column; 422 unless it is a column of the board. */
async function lockTargetColumn(client, workspaceId, boardId, columnId) {
  const [column] = (await client.query(LOCK_COLUMN_SQL, [columnId])).rows;
  if (!column || column.workspaceId !== workspaceId || column.boardId !== boardId) {
    throw unprocessable('columnId is not a column of this board.');
  }
  if (column.boardArchivedAt) throw new HttpProblem(409, 'Conflict', 'board archived');
  return column;
}

async function assertRoom(client, column, excludeId = null) {
  if (column.wipLimit === null) return;
  const [{ n }] = (
    await client.query(COUNT_ACTIVE_SQL, [column.workspaceId, column.boardId, column.id, excludeId])
  ).rows;
  if (n >= column.wipLimit) throw new HttpProblem(409, 'Conflict', 'WIP limit');
}

/** The key at the top or bottom of the locked column (placements by neighbour: not benchmarked). */
async function endKey(client, column, cardId, placement) {
  const top = placement === 'top';
  const [edge] = (
    await client.query(top ? FIRST_CARD_SQL : LAST_CARD_SQL, [
      column.workspaceId,
      column.boardId,
      column.id,
      cardId,
    ])
  ).rows;
  const lower = top ? null : (edge ?? null);
  const upper = top ? (edge ?? null) : null;
  return { lower, upper, key: keyBetween(lower?.position ?? null, upper?.position ?? null) };
}

const precedes = (a, b) => a.position < b.position || (a.position === b.position && a.id < b.id);

// ---- body validation (the fields the bench sends, and what workdeck refuses) -------------------

const CREATE_FIELDS = new Set(['title', 'description', 'columnId', 'placement']);
function createCardBody(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw unprocessable('body');
  for (const key of Object.keys(body))
    if (!CREATE_FIELDS.has(key)) throw unprocessable(`${key}: unknown field`);
  const title = typeof body.title === 'string' ? body.title.trim() : body.title;
  if (
    typeof title !== 'string' ||
    title.length < 1 ||
    title.length > 500 ||
    title.includes('\u0000')
  ) {
    throw unprocessable('title');
  }
  if (
    body.columnId !== undefined &&
    (typeof body.columnId !== 'string' || !UUID.test(body.columnId))
  ) {
    throw unprocessable('columnId');
  }
  if (
    body.description !== undefined &&
    (typeof body.description !== 'string' || body.description.includes('\u0000'))
  ) {
    throw unprocessable('description');
  }
  if (body.placement !== undefined && body.placement !== 'top' && body.placement !== 'bottom')
    throw unprocessable('placement');
  return { ...body, title, columnId: body.columnId?.toLowerCase() };
}

const MOVE_FIELDS = new Set(['columnId', 'placement']);
function moveCardBody(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw unprocessable('body');
  for (const key of Object.keys(body))
    if (!MOVE_FIELDS.has(key)) throw unprocessable(`${key}: unknown field`);
  if (typeof body.columnId !== 'string' || !UUID.test(body.columnId))
    throw unprocessable('columnId');
  if (body.placement !== undefined && body.placement !== 'top' && body.placement !== 'bottom')
    throw unprocessable('placement');
  return { columnId: body.columnId.toLowerCase(), placement: body.placement };
}

// ---- the server --------------------------------------------------------------------------------

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const app = Fastify({
  bodyLimit: Number(env.BODY_LIMIT_BYTES ?? 1048576),
  trustProxy: false,
  requestIdHeader: false,
  genReqId: (req) => {
    const incoming = req.headers['x-request-id'];
    return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : uuidv7();
  },
});
app.addHook('onRequest', async (request, reply) => {
  reply.header('X-Request-Id', request.id);
  reply.headers(SECURITY_HEADERS);
});
app.setErrorHandler((err, request, reply) => {
  const status = err instanceof HttpProblem ? err.status : (err.statusCode ?? 500);
  if (status >= 500) request.log.error(err);
  reply
    .code(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title: err.title ?? 'Error', status, detail: err.message });
});

app.get('/health/ready', async () => ({ status: 'ok' }));

app.get('/v1/boards/:boardId/cards', async (request) => {
  const userId = authenticate(request);
  const boardId = uuidParam(request.params.boardId, 'boardId');
  const { limit: rawLimit, cursor, ...other } = request.query;
  if (Object.keys(other).length > 0) throw unprocessable('filters are not part of the baseline');
  const limit = rawLimit === undefined ? 50 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw unprocessable('limit');
  if (cursor !== undefined && (typeof cursor !== 'string' || cursor.length > 1024))
    throw unprocessable('cursor');
  return withConnection(async (client) => {
    const [board] = (
      await client.query({
        name: BOARD_ACCESS_NAME,
        text: BOARD_WITH_ROLE_SQL,
        values: [boardId, userId],
      })
    ).rows;
    if (!board) throw notFound('Board not found.');
    authorize(board.memberRole, 'viewer', 'Board not found.');
    const after = cursor ? decodeCursor(cursor) : null;
    const statement = cardPageStatement(after !== null, limit + 1);
    const values = after ? [board.workspaceId, boardId, ...after] : [board.workspaceId, boardId];
    const { rows } = await client.query({ name: statement.name, text: statement.text, values });
    const hasMore = rows.length > limit;
    const pageRows = hasMore ? rows.slice(0, limit) : rows;
    const last = pageRows[pageRows.length - 1];
    return {
      data: pageRows.map(toCardSummary),
      nextCursor:
        hasMore && last
          ? encodeCursor([last.columnPosition, last.columnId, last.position, last.id])
          : null,
    };
  });
});

app.get('/v1/cards/:cardId', async (request, reply) => {
  const userId = authenticate(request);
  const cardId = uuidParam(request.params.cardId, 'cardId');
  const [row] = (await pool.query(CARD_WITH_ACCESS_SQL, [cardId, userId])).rows;
  if (!row) throw notFound('Card not found.');
  authorize(row.memberRole, 'viewer', 'Card not found.');
  reply.header('ETag', `"${row.version}"`);
  return toCardResponse(row);
});

/**
 * Idempotency-Key as workdeck's interceptor: a transaction around the handler that first takes
 * the (caller, key) advisory lock and looks for a stored answer; a new answer is stored in it.
 */
async function idempotent(client, request, reply, status, handler) {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return inTransaction(client, handler);
  if (!key || key.length > 255) throw new HttpProblem(400, 'Bad Request', 'Idempotency-Key');
  const caller = `user:${request.userId}`;
  const requestHash = createHash('sha256')
    .update(`${request.method} ${request.url}\n${canonicalJson(request.body ?? null)}`)
    .digest('hex');
  return inTransaction(client, async () => {
    const [{ locked }] = (
      await client.query({ ...IDEMPOTENCY_LOCK, values: [`${caller}\n${key}`] })
    ).rows;
    if (!locked) throw new HttpProblem(409, 'Conflict', 'in flight');
    const [existing] = (await client.query({ ...IDEMPOTENCY_FIND, values: [caller, key] })).rows;
    if (existing && existing.expiresAt.getTime() > Date.now()) {
      if (existing.requestHash !== requestHash) throw unprocessable('key reused');
      reply.header('Idempotent-Replayed', 'true');
      return existing.responseBody;
    }
    const body = await handler();
    if (existing) await client.query({ ...IDEMPOTENCY_DELETE, values: [existing.id] });
    await client.query({
      ...IDEMPOTENCY_INSERT,
      values: [
        uuidv7(),
        caller,
        key,
        requestHash,
        status,
        JSON.stringify(body),
        new Date(Date.now() + IDEMPOTENCY_TTL_MS),
      ],
    });
    return body;
  });
}

const metaOf = (request, userId) => ({
  userId,
  requestId: String(request.id),
  ip: request.ip,
  userAgent: request.headers['user-agent'],
});

app.post('/v1/boards/:boardId/cards', async (request, reply) => {
  const userId = authenticate(request);
  request.userId = userId;
  const boardId = uuidParam(request.params.boardId, 'boardId');
  const dto = createCardBody(request.body);
  const body = await withConnection((client) =>
    idempotent(client, request, reply, 201, async () => {
      const [board] = (
        await client.query({
          name: BOARD_ACCESS_NAME,
          text: BOARD_WITH_ROLE_SQL,
          values: [boardId, userId],
        })
      ).rows;
      if (!board) throw notFound('Board not found.');
      authorize(board.memberRole, 'member', 'Board not found.');
      if (board.archivedAt) throw new HttpProblem(409, 'Conflict', 'board archived');
      let columnId = dto.columnId;
      if (!columnId) {
        const [first] = (await client.query(FIRST_COLUMN_SQL, [board.workspaceId, boardId])).rows;
        if (!first) throw unprocessable('The board has no columns; create one first.');
        columnId = first.id;
      }
      const column = await lockTargetColumn(client, board.workspaceId, boardId, columnId);
      await assertRoom(client, column);
      const id = uuidv7();
      const { key } = await endKey(client, column, id, dto.placement);
      if (key === null) throw new Error('rebalancing is not part of the baseline');
      const [inserted] = (
        await client.query(INSERT_CARD_SQL, [
          id,
          board.workspaceId,
          boardId,
          column.id,
          key,
          dto.title,
          dto.description ?? '',
          null,
          JSON.stringify([]),
          userId,
          column.isDone,
        ])
      ).rows;
      const card = { ...inserted, labelIds: [], assigneeIds: [] };
      await recordCardEvent(
        client,
        metaOf(request, userId),
        card,
        'card.created',
        diffChanges(null, card, CARD_FIELDS),
      );
      return toCardResponse(card);
    }),
  );
  reply.code(201).header('ETag', `"${body.version}"`);
  return body;
});

app.post('/v1/cards/:cardId/move', async (request, reply) => {
  const userId = authenticate(request);
  request.userId = userId;
  const cardId = uuidParam(request.params.cardId, 'cardId');
  const dto = moveCardBody(request.body);
  const body = await withConnection((client) =>
    idempotent(client, request, reply, 200, async () => {
      const [row] = (await client.query(CARD_WITH_ACCESS_SQL, [cardId, userId])).rows;
      if (!row) throw notFound('Card not found.');
      const { memberRole, boardArchivedAt, ...card } = row;
      authorize(memberRole, 'member', 'Card not found.');
      if (boardArchivedAt) throw new HttpProblem(409, 'Conflict', 'board archived');
      if (card.archivedAt) throw new HttpProblem(409, 'Conflict', 'card archived');
      const column = await lockTargetColumn(client, card.workspaceId, card.boardId, dto.columnId);
      const entering = column.id !== card.columnId;
      if (entering) await assertRoom(client, column);
      const { lower, upper, key } = await endKey(client, column, card.id, dto.placement);
      if (card.columnId === column.id) {
        const self = { id: card.id, position: card.position };
        if ((!lower || precedes(lower, self)) && (!upper || precedes(self, upper))) {
          const [current] = (await client.query(FIND_CARD_SQL, [card.id])).rows;
          if (current.version !== card.version)
            throw new HttpProblem(409, 'Conflict', 'concurrent');
          return toCardResponse(current);
        }
      }
      if (key === null) throw new Error('rebalancing is not part of the baseline');
      const [after] = (
        await client.query(MOVE_CARD_SQL, [
          card.workspaceId,
          card.id,
          column.id,
          key,
          entering,
          column.isDone,
          card.version,
        ])
      ).rows;
      if (!after) throw new HttpProblem(409, 'Conflict', 'concurrent');
      await recordCardEvent(
        client,
        metaOf(request, userId),
        after,
        'card.moved',
        diffChanges(card, after, ['columnId', 'position']),
      );
      return toCardResponse(after);
    }),
  );
  reply.header('ETag', `"${body.version}"`);
  return body;
});

const shutdown = async () => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());

await app.listen({ port: Number(env.PORT ?? 3001), host: '127.0.0.1' });
