/**
 * Test isolation on PostgreSQL: each test server gets its own schema in the
 * test database, selected through the connection's `search_path`.
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';

/** Creates a fresh schema and returns a URL whose connections use it. */
export async function freshPostgresUrl(baseUrl: string): Promise<{ url: string; schema: string }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { url: url.toString(), schema };
}

/** Drops a schema made by {@link freshPostgresUrl}. */
export async function dropPostgresSchema(baseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
