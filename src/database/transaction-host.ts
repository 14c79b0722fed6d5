import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

interface TransactionScope {
  manager: EntityManager;
  afterCommit: Array<() => void | Promise<void>>;
}

/**
 * The one way to run a unit of work. `run` joins the transaction already open in this async
 * context (a request with an Idempotency-Key opens one around the handler) or opens a new one,
 * so a mutation, its audit event and its idempotency record always commit together.
 */
@Injectable()
export class TransactionHost {
  private readonly logger = new Logger(TransactionHost.name);
  private readonly als = new AsyncLocalStorage<TransactionScope>();

  constructor(private readonly dataSource: DataSource) {}

  async run<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const scope = this.als.getStore();
    if (scope) return work(scope.manager);
    const afterCommit: TransactionScope['afterCommit'] = [];
    const result = await this.dataSource.transaction((manager) =>
      this.als.run({ manager, afterCommit }, () => work(manager)),
    );
    for (const hook of afterCommit) {
      try {
        await hook();
      } catch (err) {
        this.logger.error({ err }, 'after-commit hook failed');
      }
    }
    return result;
  }

  /** True inside `run`. */
  get active(): boolean {
    return this.als.getStore() !== undefined;
  }

  /** The open transaction's manager, or the pool's for a read outside any transaction. */
  get manager(): EntityManager {
    return this.als.getStore()?.manager ?? this.dataSource.manager;
  }

  /** Runs `hook` once the surrounding transaction has committed (never after a rollback). */
  afterCommit(hook: () => void | Promise<void>): void {
    const scope = this.als.getStore();
    if (!scope) throw new Error('afterCommit called outside a transaction');
    scope.afterCommit.push(hook);
  }
}
