import type { ApiResponse, Client } from '../support/http.js';

export interface BoardFixture {
  boardId: string;
  /** Column ids in order: To do, Doing, Done. */
  columns: string[];
}

/** A board with the default columns (To do, Doing, Done). */
export async function createBoard(
  api: Client,
  token: string,
  workspaceId: string,
  name = 'Board',
): Promise<BoardFixture> {
  const res = await api.post(`/v1/workspaces/${workspaceId}/boards`, { name }, { token });
  if (res.status !== 201) throw new Error(`board failed: ${res.status} ${res.text}`);
  const cols = await api.get(`/v1/boards/${res.body.id}/columns`, { token });
  return { boardId: res.body.id, columns: cols.body.data.map((c: { id: string }) => c.id) };
}

export async function createCard(
  api: Client,
  token: string,
  boardId: string,
  body: Record<string, unknown> = {},
): Promise<{ id: string; version: number; position: string; columnId: string }> {
  const res = await api.post(`/v1/boards/${boardId}/cards`, { title: 'Card', ...body }, { token });
  if (res.status !== 201) throw new Error(`card failed: ${res.status} ${res.text}`);
  return res.body;
}

export async function createLabel(
  api: Client,
  token: string,
  boardId: string,
  name = 'bug',
): Promise<string> {
  const res = await api.post(`/v1/boards/${boardId}/labels`, { name, color: '#d73a4a' }, { token });
  if (res.status !== 201) throw new Error(`label failed: ${res.status} ${res.text}`);
  return res.body.id;
}

/** Every card of a board through the paginated list (following nextCursor). */
export async function listAll(
  api: Client,
  token: string,
  boardId: string,
  query = '',
  limit = 50,
): Promise<Array<{ id: string; columnId: string; position: string; title: string }>> {
  const all = [];
  let cursor: string | null = null;
  do {
    const qs: string = `limit=${limit}${query ? `&${query}` : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res: ApiResponse = await api.get(`/v1/boards/${boardId}/cards?${qs}`, { token });
    if (res.status !== 200) throw new Error(`list failed: ${res.status} ${res.text}`);
    all.push(...res.body.data);
    cursor = res.body.nextCursor;
  } while (cursor);
  return all;
}

export const titles = (cards: Array<{ title: string }>): string[] => cards.map((c) => c.title);

/** An `If-Match` header for a version. */
export const ifMatch = (version: number) => ({ 'if-match': `"${version}"` });
