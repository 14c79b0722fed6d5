import type { FastifyRequest } from 'fastify';
import { PreconditionFailedError, VersionConflictError } from '../database/data-errors.js';
import { toProblem } from './problem.filter.js';

const request = { url: '/v1/notes/1', id: 'req-1' } as unknown as FastifyRequest;

describe('data-layer errors as problems', () => {
  it('a lost conditional write is a 409 concurrent-modification', () => {
    const { body } = toProblem(new VersionConflictError(), request);
    expect(body).toMatchObject({
      status: 409,
      type: expect.stringMatching(/concurrent-modification$/),
      instance: '/v1/notes/1',
      requestId: 'req-1',
    });
  });

  it('a stale If-Match is a 412 precondition-failed with the detail of the data layer', () => {
    const { body } = toProblem(
      new PreconditionFailedError('Current version is 3, If-Match was 2.'),
      request,
    );
    expect(body).toMatchObject({
      status: 412,
      type: expect.stringMatching(/precondition-failed$/),
      detail: 'Current version is 3, If-Match was 2.',
    });
  });
});
