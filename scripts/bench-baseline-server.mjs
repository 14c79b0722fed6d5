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
    "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self' 'unsafe-inline';script-src-attr 'none';style-src 'self' 'unsafe-inline'",
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

/** The kernel's caller-role subquery (src/kernel/tenancy.ts callerRoleSql). */
const callerRoleSql = (workspaceSql, userParam) =>
  `(SELECT CASE WHEN ${userParam}::uuid IS NULL THEN 'system' ELSE m.role END
      FROM workspaces w
      LEFT JOIN memberships m ON m.workspace_id = w.id AND m.user_id = ${userParam}::uuid
     WHERE w.id = ${workspaceSql} AND w.deleted_at IS NULL)`;

/** The unit of work's one-statement tenancy resolve (src/kernel/tenancy.ts resolveSql). */
const resolveSql = (table, select, joins = '') =>
  `SELECT t.workspace_id AS "__workspaceId", ${callerRoleSql('t.workspace_id', '$2')} AS "__role", ${select} FROM ${table} t ${joins} WHERE t.id = $1`;

/** `t.workspace_id AS "workspaceId", ...` (src/board/board.tables.ts selectList). */
const snake = (field) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const selectList = (alias, fields) =>
  fields
    .map((f) => (snake(f) === f ? `${alias}.${f}` : `${alias}.${snake(f)} AS "${f}"`))
    .join(', ');

const VERSIONED = ['id', 'version', 'createdAt', 'updatedAt'];
const BOARD_COLUMNS = [
  ...VERSIONED,
  'workspaceId',
  'name',
  'description',
  'createdBy',
  'archivedAt',
];
const CARD_COLUMNS = [
  ...VERSIONED,
  'workspaceId',
  'boardId',
  'columnId',
  'position',
  'title',
  'description',
  'dueAt',
  'checklist',
  'remindBefore',
  'archivedAt',
  'columnEnteredAt',
  'doneFirstAt',
  'doneLastAt',
  'createdBy',
];

const cardSets = (ws, board, card) => `
  ARRAY(SELECT cl.label_id::text FROM card_labels cl
         WHERE cl.workspace_id = ${ws} AND cl.board_id = ${board} AND cl.card_id = ${card}
         ORDER BY cl.label_id) AS "labelIds",
  ARRAY(SELECT ca.user_id::text FROM card_assignees ca
         WHERE ca.workspace_id = ${ws} AND ca.board_id = ${board} AND ca.card_id = ${card}
         ORDER BY ca.user_id) AS "assigneeIds"`;

/** `Boards` of src/board/board.tables.ts, resolved with the caller's role. */
const BOARD_RESOLVE_SQL = resolveSql('boards', selectList('t', BOARD_COLUMNS));

const CARD_SELECT = `${selectList('t', CARD_COLUMNS)},
  ${cardSets('t.workspace_id', 't.board_id', 't.id')}`;
/** `Cards` of src/board/board.tables.ts: the card, its sets, its board's archive state. */
const CARD_RESOLVE_SQL = resolveSql(
  'cards',
  `${CARD_SELECT}, b.archived_at AS "boardArchivedAt"`,
  'JOIN boards b ON b.workspace_id = t.workspace_id AND b.id = t.board_id',
);

const isoText = (column, alias) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "${alias}"`;

/** A list item's own columns (src/board/cards.queries.ts CARD_SUMMARY_SCALARS). */
const SUMMARY_TIMESTAMPS = new Set([
  'dueAt',
  'archivedAt',
  'columnEnteredAt',
  'doneFirstAt',
  'doneLastAt',
  'createdAt',
  'updatedAt',
]);
const SUMMARY_DETAILS = new Set(['description', 'checklist', 'remindBefore']);
const CARD_SCALARS_ISO = CARD_COLUMNS.filter((f) => !SUMMARY_DETAILS.has(f))
  .map((f) => (SUMMARY_TIMESTAMPS.has(f) ? isoText(`c.${snake(f)}`, f) : selectList('c', [f])))
  .join(', ');

/** cardById of src/board/cards.queries.ts (a move to where the card already is). */
const FIND_CARD_SQL = `SELECT ${CARD_SELECT} FROM cards t WHERE t.workspace_id = $1 AND t.id = $2`;

const LOCK_COLUMN_SQL = `SELECT col.id, col.workspace_id AS "workspaceId", col.board_id AS "boardId", col.position,
            col.wip_limit AS "wipLimit", col.is_done AS "isDone", b.archived_at AS "boardArchivedAt",
            now() AS "txNow"
       FROM board_columns col
       JOIN boards b ON b.workspace_id = col.workspace_id AND b.id = col.board_id
      WHERE col.workspace_id = $1 AND col.id = $2
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

const INSERT_CARD_SQL = `INSERT INTO cards AS t (id, workspace_id, board_id, column_id, position, title, description,
                             due_at, checklist, created_by, done_first_at, done_last_at,
                             remind_before)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10,
             CASE WHEN $11 THEN now() END, CASE WHEN $11 THEN now() END, $12::jsonb)
     RETURNING ${selectList('t', CARD_COLUMNS)}`;

/**
 * A move's conditional write (src/database/versioned-update.ts updateVersioned, as
 * src/board/cards.queries.ts moveCardRow calls it): the columns a move sets, by whether the
 * card enters the column and whether that column is a done column.
 */
function moveCardSql(entering, done) {
  const sets = ['"column_id" = $1', '"position" = $2'];
  if (entering) sets.push('"column_entered_at" = now()');
  if (done) {
    sets.push('"done_first_at" = COALESCE("done_first_at", now())', '"done_last_at" = now()');
  }
  sets.push('"version" = "version" + 1', '"updated_at" = now()');
  return `UPDATE "cards" SET ${sets.join(', ')} WHERE "id" = $3 AND "version" = $4`;
}
const moveStatements = new Map();
/** The move's statement, prepared as workdeck's compiled `updateVersioned` runs it. */
function moveCardStatement(entering, done) {
  const key = `${entering}:${done}`;
  let statement = moveStatements.get(key);
  if (!statement)
    moveStatements.set(
      key,
      (statement = prepared('versioned_update', moveCardSql(entering, done))),
    );
  return statement;
}

// The audit append (src/audit/audit.service.ts appendBatch): lock the heads, insert + advance.
const LOCK_HEADS_SQL = `SELECT chain_key AS "chainKey", last_seq AS "lastSeq", last_hash AS "lastHash",
                last_occurred_at AS "lastOccurredAt"
           FROM audit_chain_heads WHERE chain_key = ANY($1::varchar[])
          ORDER BY chain_key FOR NO KEY UPDATE`;
const INSERT_HEADS_SQL = `INSERT INTO audit_chain_heads (chain_key, last_seq, last_hash)
         SELECT k, 0, $2 FROM unnest($1::varchar[]) AS k ORDER BY k
         ON CONFLICT (chain_key) DO NOTHING`;
const APPEND_EVENTS_SQL = `WITH inserted AS (
         INSERT INTO audit_events (id, workspace_id, chain_key, seq, actor_type, actor_id, action,
                                   entity_type, entity_id, changes, request_id, ip, user_agent,
                                   occurred_at, prev_hash, hash)
         SELECT (e->>0)::uuid, (e->>1)::uuid, e->>2, (e->>3)::bigint, e->>4, e->>5, e->>6, e->>7,
                (e->>8)::uuid, e->9, e->>10, e->>11, e->>12, (e->>13)::timestamptz, e->>14, e->>15
           FROM jsonb_array_elements($1::jsonb) AS e
       )
       UPDATE audit_chain_heads h
          SET last_seq = u.seq, last_hash = u.hash, last_occurred_at = u.at
         FROM unnest($2::varchar[], $3::bigint[], $4::bpchar[], $5::timestamptz[])
              AS u(chain_key, seq, hash, at)
        WHERE h.chain_key = u.chain_key`;

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
  const outer = withCursor ? ['(col.position, col.id) >= ($3::text, $4::uuid)'] : [];
  const inner = ['c.archived_at IS NULL'];
  if (withCursor) {
    inner.push(
      `(c.position, c.id) > (CASE WHEN col.id = $4::uuid THEN $5::text ELSE '' END,
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
const prepared = (prefix, text) => ({ name: statementName(prefix, text), text });
const BOARD_RESOLVE = prepared('tenant_boards', BOARD_RESOLVE_SQL);
const CARD_RESOLVE = prepared('tenant_cards', CARD_RESOLVE_SQL);
// The statements of a create or move that workdeck prepares (src/board/cards.queries.ts,
// src/audit/audit.service.ts).
const LOCK_COLUMN = prepared('lock_column', LOCK_COLUMN_SQL);
const COUNT_ACTIVE = prepared('count_active_cards', COUNT_ACTIVE_SQL);
const FIRST_CARD = prepared('card_neighbour', FIRST_CARD_SQL);
const LAST_CARD = prepared('card_neighbour', LAST_CARD_SQL);
const INSERT_CARD = prepared('insert_card', INSERT_CARD_SQL);
const LOCK_HEADS = prepared('audit_lock_heads', LOCK_HEADS_SQL);
const APPEND_EVENTS = prepared('audit_append', APPEND_EVENTS_SQL);
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

/** Verified access tokens until their `exp`, as workdeck's guard keeps them (at most 10,000). */
const verified = new Map();
const VERIFIED_TOKENS_KEPT = 10_000;

/**
 * Bearer JWT access token, verified as workdeck's guard does (HS256, typ access; a token
 * verified before is only checked for expiry).
 */
function authenticate(request) {
  const [scheme, token] = (request.headers.authorization ?? '').split(' ');
  if (scheme?.toLowerCase() !== 'bearer' || !token)
    throw new HttpProblem(401, 'Unauthorized', 'no token');
  const invalid = () =>
    new HttpProblem(401, 'Unauthorized', 'The access token is invalid or expired; refresh it.');
  const now = Math.floor(Date.now() / 1000);
  const kept = verified.get(token);
  if (kept) {
    if (now < kept.exp) return kept.sub;
    verified.delete(token);
    throw invalid();
  }
  let claims;
  try {
    claims = jwt.verify(token, JWT_KEY, { algorithms: ['HS256'], clockTimestamp: now });
  } catch {
    throw invalid();
  }
  if (claims.typ !== 'access') throw invalid();
  if (typeof claims.exp === 'number') {
    if (verified.size >= VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value);
    verified.set(token, { sub: claims.sub, exp: claims.exp });
  }
  return claims.sub;
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
  remindBefore: c.remindBefore,
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

/** The card list's keyset binding (src/kernel/keyset.ts defineKeyset, CardList). */
const CURSOR_BINDING =
  'cards.list|col.position:ASC:text,col.id:ASC:uuid,c.position:ASC:text,c.id:ASC:uuid';
function cursorMac(payload) {
  return createHmac('sha256', CURSOR_KEY)
    .update(`${CURSOR_BINDING}\n${payload}`)
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
  const [payload, mac, extra] = cursor.split('.');
  const expected = payload ? cursorMac(payload) : '';
  if (
    extra !== undefined ||
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
  if (!Array.isArray(values) || values.length !== 4) throw invalid();
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
/** The fields of a card its audit events show (src/board/cards.service.ts CARD_EVENT_FIELDS). */
const CARD_EVENT_FIELDS = [
  'title',
  'description',
  'columnId',
  'position',
  'labelIds',
  'assigneeIds',
  'dueAt',
  'remindBefore',
  'checklist',
  'archivedAt',
];

const GENESIS_HASH = '0'.repeat(64);

/**
 * The audit append of a card event, as the unit of work does it just before COMMIT
 * (AuditService.appendBatch): lock the chain head (created on first use), hash, then insert the
 * event and advance the head in one statement.
 */
async function appendCardEvent(client, meta, card, action, changes) {
  const chainKey = `ws:${card.workspaceId}`;
  const keys = [chainKey];
  let [head] = (await client.query({ ...LOCK_HEADS, values: [keys] })).rows;
  if (!head) {
    await client.query(INSERT_HEADS_SQL, [keys, GENESIS_HASH]);
    [head] = (await client.query({ ...LOCK_HEADS, values: [keys] })).rows;
  }
  const last = head.lastOccurredAt ? new Date(head.lastOccurredAt).getTime() : 0;
  const occurredAt = new Date(Math.max(Date.now(), last));
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
    occurredAt: occurredAt.toISOString(),
    prevHash: head.lastHash,
  };
  const hash = eventHash(hashed);
  await client.query({
    ...APPEND_EVENTS,
    values: [
      // The events as one jsonb array of rows (src/audit/audit.service.ts insert).
      JSON.stringify([
        [
          hashed.id,
          hashed.workspaceId,
          chainKey,
          hashed.seq,
          'user',
          meta.userId,
          action,
          'card',
          card.id,
          hashed.changes,
          hashed.requestId,
          hashed.ip,
          hashed.userAgent,
          hashed.occurredAt,
          hashed.prevHash,
          hash,
        ],
      ]),
      [chainKey],
      [hashed.seq],
      [hash],
      [hashed.occurredAt],
    ],
  });
}

/** Locks the target column; 422 unless it is a column of the board. */
async function lockTargetColumn(client, workspaceId, boardId, columnId) {
  const [column] = (await client.query({ ...LOCK_COLUMN, values: [workspaceId, columnId] })).rows;
  if (!column || column.boardId !== boardId) {
    throw unprocessable('columnId is not a column of this board.');
  }
  if (column.boardArchivedAt) throw new HttpProblem(409, 'Conflict', 'board archived');
  return column;
}

async function assertRoom(client, column, excludeId = null) {
  if (column.wipLimit === null) return;
  const [{ n }] = (
    await client.query({
      ...COUNT_ACTIVE,
      values: [column.workspaceId, column.boardId, column.id, excludeId],
    })
  ).rows;
  if (n >= column.wipLimit) throw new HttpProblem(409, 'Conflict', 'WIP limit');
}

/** The key at the top or bottom of the locked column (placements by neighbour: not benchmarked). */
async function endKey(client, column, cardId, placement) {
  const top = placement === 'top';
  const [edge] = (
    await client.query({
      ...(top ? FIRST_CARD : LAST_CARD),
      values: [column.workspaceId, column.boardId, column.id, cardId],
    })
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
  // Outside a transaction workdeck runs each statement on a pool connection of its own.
  const [board] = (await pool.query({ ...BOARD_RESOLVE, values: [boardId, userId] })).rows;
  authorize(board?.__workspaceId ? board.__role : null, 'viewer', 'Board not found.');
  const after = cursor ? decodeCursor(cursor) : null;
  const statement = cardPageStatement(after !== null, limit + 1);
  const values = after ? [board.workspaceId, boardId, ...after] : [board.workspaceId, boardId];
  const { rows } = await pool.query({ name: statement.name, text: statement.text, values });
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

/** A resolved card row without the tenancy columns and the board's archive state. */
function cardOf(row) {
  const { __workspaceId, __role, boardArchivedAt, ...card } = row;
  return card;
}

app.get('/v1/cards/:cardId', async (request, reply) => {
  const userId = authenticate(request);
  const cardId = uuidParam(request.params.cardId, 'cardId');
  const [row] = (await pool.query({ ...CARD_RESOLVE, values: [cardId, userId] })).rows;
  authorize(row?.__workspaceId ? row.__role : null, 'viewer', 'Card not found.');
  reply.header('ETag', `"${row.version}"`);
  return toCardResponse(cardOf(row));
});

/**
 * A transaction as TypeORM opens and ends it, with the unit of work's before-commit hooks
 * (the audit append runs last, after the Idempotency-Key record is written).
 */
async function inTransaction(client, work) {
  const beforeCommit = [];
  await client.query('START TRANSACTION');
  try {
    const result = await work({ beforeCommit: (hook) => beforeCommit.push(hook) });
    for (const hook of beforeCommit) await hook();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

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
  return inTransaction(client, async (tx) => {
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
    const body = await handler(tx);
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
    idempotent(client, request, reply, 201, async (tx) => {
      const [board] = (await client.query({ ...BOARD_RESOLVE, values: [boardId, userId] })).rows;
      authorize(board?.__workspaceId ? board.__role : null, 'member', 'Board not found.');
      const workspaceId = board.__workspaceId;
      if (board.archivedAt) throw new HttpProblem(409, 'Conflict', 'board archived');
      let columnId = dto.columnId;
      if (!columnId) {
        const [first] = (await client.query(FIRST_COLUMN_SQL, [workspaceId, boardId])).rows;
        if (!first) throw unprocessable('The board has no columns; create one first.');
        columnId = first.id;
      }
      const column = await lockTargetColumn(client, workspaceId, boardId, columnId);
      await assertRoom(client, column);
      const id = uuidv7();
      const { key } = await endKey(client, column, id, dto.placement);
      if (key === null) throw new Error('rebalancing is not part of the baseline');
      const [inserted] = (
        await client.query({
          ...INSERT_CARD,
          values: [
            id,
            workspaceId,
            boardId,
            column.id,
            key,
            dto.title,
            dto.description ?? '',
            null,
            JSON.stringify([]),
            userId,
            column.isDone,
            JSON.stringify([]),
          ],
        })
      ).rows;
      const card = { ...inserted, labelIds: [], assigneeIds: [] };
      const changes = diffChanges(null, card, CARD_EVENT_FIELDS);
      tx.beforeCommit(() =>
        appendCardEvent(client, metaOf(request, userId), card, 'card.created', changes),
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
    idempotent(client, request, reply, 200, async (tx) => {
      const [row] = (await client.query({ ...CARD_RESOLVE, values: [cardId, userId] })).rows;
      authorize(row?.__workspaceId ? row.__role : null, 'member', 'Card not found.');
      if (row.boardArchivedAt) throw new HttpProblem(409, 'Conflict', 'board archived');
      const card = cardOf(row);
      if (card.archivedAt) throw new HttpProblem(409, 'Conflict', 'card archived');
      const column = await lockTargetColumn(client, card.workspaceId, card.boardId, dto.columnId);
      const entering = column.id !== card.columnId;
      if (entering) await assertRoom(client, column);
      const { lower, upper, key } = await endKey(client, column, card.id, dto.placement);
      if (card.columnId === column.id) {
        const self = { id: card.id, position: card.position };
        if ((!lower || precedes(lower, self)) && (!upper || precedes(self, upper))) {
          const [current] = (await client.query(FIND_CARD_SQL, [card.workspaceId, card.id])).rows;
          if (current.version !== card.version)
            throw new HttpProblem(409, 'Conflict', 'concurrent');
          return toCardResponse(current);
        }
      }
      if (key === null) throw new Error('rebalancing is not part of the baseline');
      const done = entering && column.isDone;
      const { rowCount } = await client.query({
        ...moveCardStatement(entering, done),
        values: [column.id, key, card.id, card.version],
      });
      if (rowCount !== 1) throw new HttpProblem(409, 'Conflict', 'concurrent');
      // The card as stored, computed as workdeck does (the version guard proves the row).
      const { txNow } = column;
      const after = {
        ...card,
        columnId: column.id,
        position: key,
        version: card.version + 1,
        updatedAt: txNow,
        columnEnteredAt: entering ? txNow : card.columnEnteredAt,
        doneFirstAt: done ? (card.doneFirstAt ?? txNow) : card.doneFirstAt,
        doneLastAt: done ? txNow : card.doneLastAt,
      };
      const changes = diffChanges(card, after, ['columnId', 'position']);
      tx.beforeCommit(() =>
        appendCardEvent(client, metaOf(request, userId), after, 'card.moved', changes),
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
