import { QueryFailedError } from 'typeorm';
import { isDependencyUnavailable } from './pg-errors.js';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });
const queryFailed = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

describe('isDependencyUnavailable', () => {
  it.each([
    ['57P01 admin shutdown (pg_terminate_backend)', queryFailed(pgError('57P01'))],
    ['57P02 crash shutdown', queryFailed(pgError('57P02'))],
    ['57P03 starting up', queryFailed(pgError('57P03', 'the database system is starting up'))],
    ['08006 connection failure', queryFailed(pgError('08006'))],
    ['53300 too many connections', pgError('53300')],
    ['connection refused', pgError('ECONNREFUSED')],
    ['connection reset', pgError('ECONNRESET')],
    [
      'refused on every address',
      Object.assign(new AggregateError([pgError('ECONNREFUSED')]), { code: 'ECONNREFUSED' }),
    ],
    ['terminated mid-query', queryFailed(new Error('Connection terminated unexpectedly'))],
    ['pool timeout', new Error('timeout exceeded when trying to connect')],
    ['runner released after a lost connection', new Error('Query runner already released. x')],
    ['wrapped in a cause', new Error('outer', { cause: pgError('ECONNREFUSED') })],
    ['Redis gave up', new Error('Reached the max retries per request limit (which is 2).')],
  ])('is true for %s', (_, err) => {
    expect(isDependencyUnavailable(err)).toBe(true);
  });

  it.each([
    ['a unique violation', queryFailed(pgError('23505'))],
    ['a syntax error', queryFailed(pgError('42601'))],
    ['a plain bug', new TypeError('x is undefined')],
    ['not an error', 'ECONNREFUSED'],
    ['null', null],
  ])('is false for %s', (_, err) => {
    expect(isDependencyUnavailable(err)).toBe(false);
  });
});
