/**
 * Reading a built browser bundle's files (`collector/dist`, `dashboard/dist`)
 * for the routes that serve them: one safe file-name check, one set of
 * content types, a 404 that says how to build what is missing.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { notFound } from './errors.ts';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.d.ts': 'text/plain; charset=utf-8',
};

/** A file of `dir` and its content type; 404 (naming `buildScript`) when the name is unsafe or the file is missing. */
export async function readDistFile(dir: string, file: string, what: string, buildScript: string): Promise<{ body: Uint8Array<ArrayBuffer>; type: string }> {
  if (!/^[\w.-]+$/.test(file) || file.startsWith('.')) throw notFound(`${what} file '${file}'`);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path.join(dir, file));
  } catch {
    throw notFound(`${what} file '${file}' (run \`npm run ${buildScript}\`)`);
  }
  return { body: new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength), type: TYPES[path.extname(file)] ?? 'application/octet-stream' };
}
