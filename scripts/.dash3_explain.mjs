import pg from 'pg';
const db = new pg.Client({ connectionString: 'postgres://root@127.0.0.1:5432/dash3_bench_1m' });
await db.connect();
const { rows: [b] } = await db.query(`SELECT workspace_id AS ws, id FROM dashboard_boards WHERE name = 'Board 0'`);
const q = await import('/work/wt/dash3/dist/src/dashboard/dashboard.queries.js');
const captured = [];
const em = { query: async (sql, params) => { captured.push({ sql, params }); return (await db.query(sql, params)).rows; } };
const which = process.argv[2];
const now = new Date();
const since = new Date(Math.floor((now.getTime() - 29 * 86400000) / 86400000) * 86400000);
if (which === 'windows') {
  const days = []; const from = new Date(now.getTime() - 89 * 86400000).toISOString().slice(0, 10);
  for (let t = Date.parse(from); days.length < 90; t += 86400000) days.push(new Date(t).toISOString().slice(0, 10));
  await q.boardFlow(em, b.ws, b.id, from, days, 'Europe/Berlin');
} else if (which === 'hist') {
  await q.flowHistogram(em, b.ws, null, since.toISOString().slice(0, 10), '9999-12-31');
}
const { sql, params } = captured.find((c) => c.sql.includes(process.argv[3] ?? ''));
const { rows } = await db.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
console.log(rows.map((r) => r['QUERY PLAN']).join('\n'));
await db.end();
