/**
 * Kysely's SQLite dialect with write transactions that take the write lock up front (`begin immediate`).
 *
 * Kysely starts a transaction with a plain `begin` (deferred): with several server processes on one file, a
 * deferred transaction that read first could not upgrade to a writer later (SQLITE_BUSY_SNAPSHOT, not retried by
 * the busy timeout); an immediate one waits its turn. The ingest's own prepared-statement path does the same
 * (`transaction(...).immediate()` in sqlite-batch-statements.ts).
 */
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';

class ImmediateTransactionDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/** `SqliteDialect` whose transactions begin immediate. */
export class ImmediateTransactionSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateTransactionDriver(this.#config);
  }
}
