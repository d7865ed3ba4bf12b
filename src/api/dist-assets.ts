/**
 * Reading a built browser bundle's files (`collector/dist`, `dashboard/dist`)
 * for the routes that serve them: one safe file-name check, one set of
 * content types, a 404 that says how to build what is missing, and the
 * precompressed copy (`.br`, `.gz`, written by the build) that the client's
 * `Accept-Encoding` prefers.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { notFound } from './errors.ts';
import { preferredCoding, type ContentCoding } from './content-encoding.ts';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.d.ts': 'text/plain; charset=utf-8',
};

/** A file of `dir` and its content type (and coding, when a precompressed copy is sent). */
export interface DistFile {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  coding?: ContentCoding;
}

/**
 * A file of `dir`, in the coding `acceptEncoding` prefers when the build left a copy in it; 404 (naming
 * `buildScript`) when the name is unsafe or the file is missing.
 */
export async function readDistFile(
  dir: string,
  file: string,
  what: string,
  buildScript: string,
  acceptEncoding?: string,
): Promise<DistFile> {
  if (!/^[\w.-]+$/.test(file) || file.startsWith('.')) throw notFound(`${what} file '${file}'`);
  const type = TYPES[path.extname(file)] ?? 'application/octet-stream';
  const coding = preferredCoding(acceptEncoding);
  const encoded = coding
    ? await readOrUndefined(path.join(dir, `${file}.${coding === 'br' ? 'br' : 'gz'}`))
    : undefined;
  if (encoded) return { body: encoded, type, coding };
  const plain = await readOrUndefined(path.join(dir, file));
  if (!plain) throw notFound(`${what} file '${file}' (run \`npm run ${buildScript}\`)`);
  return { body: plain, type };
}

async function readOrUndefined(file: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
  try {
    const bytes = await fs.readFile(file);
    return new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
  } catch {
    return undefined;
  }
}

/** The headers that say how a {@link DistFile} is encoded. */
export function codingHeaders(file: DistFile): Record<string, string> {
  return file.coding
    ? { 'content-encoding': file.coding, vary: 'Accept-Encoding' }
    : { vary: 'Accept-Encoding' };
}
