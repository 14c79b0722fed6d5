/**
 * Errors of the data layer. They say what happened to the data, not how to answer an HTTP
 * request: the problem filter (src/common/problem.filter.ts) maps them to problems.
 */
export abstract class DataLayerError extends Error {}

/** A conditional write matched no row: another writer committed after the caller's read. */
export class VersionConflictError extends DataLayerError {
  constructor(message = 'The resource changed between reading and writing it.') {
    super(message);
    this.name = 'VersionConflictError';
  }
}

/** The version the client sent with If-Match is not the one read or no longer current. */
export class PreconditionFailedError extends DataLayerError {
  constructor(message: string) {
    super(message);
    this.name = 'PreconditionFailedError';
  }
}
