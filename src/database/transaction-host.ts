import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ContextStore } from '../common/context-store.js';

type Hook = () => void | Promise<void>;

interface TransactionScope {
  manager: EntityManager;
  beforeCommit: Hook[];
  afterCommit: Hook[];
  afterCompletion: Hook[];
}

/** The transaction open in this async context, if any. */
const currentScope = (): TransactionScope | undefined =>
  ContextStore.current()?.transaction as TransactionScope | undefined;

/**
 * The one way to run a unit of work. `run` joins the transaction already open in this async
 * context (a request with an Idempotency-Key opens one around the handler) or opens a new one,
 * so a mutation, its audit event and its idempotency record always commit together.
 */
@Injectable()
export class TransactionHost {
  private readonly logger = new Logger(TransactionHost.name);

  constructor(private readonly dataSource: DataSource) {}

  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const scope = currentScope();
    if (scope) return work(scope.manager);
    const beforeCommit: Hook[] = [];
    const afterCommit: Hook[] = [];
    const afterCompletion: Hook[] = [];
    let result: T;
    try {
      result = await this.dataSource.transaction((manager) =>
        ContextStore.runWith(
          { transaction: { manager, beforeCommit, afterCommit, afterCompletion } },
          async () => {
            const value = await work(manager);
            // Hooks may add hooks (a flush that records more): run until none is left.
            for (let hook = beforeCommit.shift(); hook; hook = beforeCommit.shift()) await hook();
            return value;
          },
        ),
      );
    } catch (err) {
      await this.runHooks(afterCompletion, 'after-completion');
      throw err;
    }
    await this.runHooks(afterCommit, 'after-commit');
    await this.runHooks(afterCompletion, 'after-completion');
    return result;
  }

  private async runHooks(hooks: Hook[], kind: string): Promise<void> {
    for (const hook of hooks) {
      try {
        await hook();
      } catch (err) {
        this.logger.error({ err }, `${kind} hook failed`);
      }
    }
  }

  /** True inside `run`. */
  get active(): boolean {
    return currentScope() !== undefined;
  }

  /** The open transaction's manager, or the pool's for a read outside any transaction. */
  get manager(): EntityManager {
    return currentScope()?.manager ?? this.dataSource.manager;
  }

  /**
   * Runs `hook` inside the surrounding transaction, after its work and just before COMMIT: a
   * failure rolls everything back. For work that is best done last, such as appending the
   * transaction's audit events (their chain-head locks are then held only until commit).
   */
  beforeCommit(hook: Hook): void {
    const scope = currentScope();
    if (!scope) throw new Error('beforeCommit called outside a transaction');
    scope.beforeCommit.push(hook);
  }

  /** Runs `hook` once the surrounding transaction has committed (never after a rollback). */
  afterCommit(hook: Hook): void {
    const scope = currentScope();
    if (!scope) throw new Error('afterCommit called outside a transaction');
    scope.afterCommit.push(hook);
  }

  /**
   * Runs `hook` once the surrounding transaction has ended, committed or rolled back: for work
   * that must happen even though the request fails, such as recording a failed sign-in (the
   * request's own transaction, e.g. an Idempotency-Key's, rolls back with the error).
   */
  afterCompletion(hook: Hook): void {
    const scope = currentScope();
    if (!scope) throw new Error('afterCompletion called outside a transaction');
    scope.afterCompletion.push(hook);
  }
}
