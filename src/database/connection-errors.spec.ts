import { EventEmitter } from 'node:events';
import type { DataSource } from 'typeorm';
import { guardConnections, logConnectionError } from './connection-errors.js';

/** A pg-pool as far as the guard sees it: an emitter holding its clients in `_clients`. */
class FakePool extends EventEmitter {
  _clients: EventEmitter[] = [];
}

const dataSourceOf = (pool: FakePool) => ({ driver: { master: pool } }) as unknown as DataSource;

describe('guardConnections', () => {
  it('guards the connections opened before it was called, and those opened after', () => {
    const pool = new FakePool();
    const early = new EventEmitter();
    pool._clients.push(early);
    guardConnections(dataSourceOf(pool));
    const late = new EventEmitter();
    pool.emit('connect', late);
    // Without a listener an 'error' event throws (and ends the process).
    for (const client of [early, late]) {
      expect(() =>
        client.emit('error', new Error('Connection terminated unexpectedly')),
      ).not.toThrow();
    }
  });

  it('adds its listener once per connection', () => {
    const pool = new FakePool();
    const client = new EventEmitter();
    pool._clients.push(client);
    guardConnections(dataSourceOf(pool));
    pool.emit('connect', client);
    expect(client.listeners('error').filter((l) => l === logConnectionError)).toHaveLength(1);
  });
});
