/** The storage backends peer-report runs on. */
export type StoreDialect = 'sqlite' | 'postgres';
