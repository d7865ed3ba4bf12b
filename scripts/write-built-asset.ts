/**
 * Writes one built browser asset (collector or dashboard bundle) together with its precompressed copies
 * (`<file>.br`, brotli quality 11; `<file>.gz`, gzip level 9), so the server sends them without compressing
 * anything per request (src/api/dist-assets.ts). Each file is written aside and renamed into place: a server
 * reading dist/ while another build runs never serves a half-written file.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

function writeAtomically(file: string, contents: Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

/** Writes `file` and its `.br` and `.gz` copies. */
export function writeBuiltAsset(file: string, contents: Uint8Array): void {
  writeAtomically(file, contents);
  writeAtomically(
    `${file}.br`,
    brotliCompressSync(contents, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: contents.byteLength,
      },
    }),
  );
  writeAtomically(`${file}.gz`, gzipSync(contents, { level: 9 }));
}
