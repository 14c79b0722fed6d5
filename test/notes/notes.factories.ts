import type { Client } from '../support/http.js';

export interface NoteInput {
  title: string;
  body?: string;
  tags?: string[];
  pinned?: boolean;
}

export async function createNote(
  api: Client,
  token: string,
  workspaceId: string,
  input: NoteInput,
): Promise<{ id: string; version: number; [k: string]: unknown }> {
  const res = await api.post(`/v1/workspaces/${workspaceId}/notes`, input, { token });
  if (res.status !== 201) throw new Error(`note failed: ${res.status} ${res.text}`);
  return res.body;
}

export interface ListedItem {
  id: string;
  [field: string]: unknown;
}

/** All pages of a list, following nextCursor. */
export async function listAll<T = ListedItem>(
  api: Client,
  token: string,
  path: string,
  limit = 2,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  const sep = path.includes('?') ? '&' : '?';
  do {
    const suffix: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const res = await api.get(`${path}${sep}limit=${limit}${suffix}`, { token });
    if (res.status !== 200) throw new Error(`list failed: ${res.status} ${res.text}`);
    items.push(...(res.body.data as T[]));
    cursor = res.body.nextCursor;
  } while (cursor);
  return items;
}

/** A card on a new board of the workspace (the board's first default column). */
export async function createCard(
  api: Client,
  token: string,
  workspaceId: string,
  title = 'Card',
): Promise<{ id: string; boardId: string }> {
  const board = await api.post(
    `/v1/workspaces/${workspaceId}/boards`,
    { name: 'Board' },
    { token },
  );
  if (board.status !== 201) throw new Error(`board failed: ${board.status} ${board.text}`);
  const card = await api.post(`/v1/boards/${board.body.id}/cards`, { title }, { token });
  if (card.status !== 201) throw new Error(`card failed: ${card.status} ${card.text}`);
  return { id: card.body.id, boardId: board.body.id };
}
