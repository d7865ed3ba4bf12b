/**
 * A dump whose gzip stream cannot be decompressed: cut short (an interrupted
 * upload or copy) or damaged; or a dump compressed some other way. Raised instead of zlib's own error so the CLI
 * and the HTTP route say the same thing in the user's terms.
 */
import { DumpFormatError } from './dump-format-error.ts';

/** zlib's error codes of an input that ends too early. */
const TRUNCATED_CODES = new Set(['Z_BUF_ERROR']);

/** The gzip stream is truncated or corrupt. */
export class DumpCompressionError extends DumpFormatError {
  override readonly name: string = 'DumpCompressionError';
  /**
   * `truncated`: the stream ends before its end marker; `corrupt`: its bytes are not valid gzip data;
   * `unsupported`: another compression (`container` names it), which imports do not read.
   */
  readonly problem: 'truncated' | 'corrupt' | 'unsupported';

  constructor(problem: 'truncated' | 'corrupt' | 'unsupported', container?: string) {
    super(
      problem === 'truncated'
        ? 'the gzip stream is truncated: the file ends before the end of its compressed data (an interrupted upload or copy?); send the whole file'
        : problem === 'corrupt'
          ? 'the gzip stream is corrupt: its compressed data cannot be decompressed; send an intact .gz file or the uncompressed dump'
          : `the file is compressed with ${container ?? 'an unknown method'}; only gzip (.gz) or uncompressed dumps can be imported`,
    );
    this.problem = problem;
  }

  /** The error for a zlib failure (`err.code` is `Z_BUF_ERROR`, `Z_DATA_ERROR`...). */
  static fromZlib(err: Error & { code?: string }): DumpCompressionError {
    return new DumpCompressionError(
      err.code !== undefined && TRUNCATED_CODES.has(err.code) ? 'truncated' : 'corrupt',
    );
  }
}

/** Magic numbers of compressed containers other than gzip, by name. */
const OTHER_CONTAINERS: [string, number[]][] = [
  ['zip', [0x50, 0x4b, 0x03, 0x04]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['7-zip', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ['zlib (deflate without gzip header)', [0x78, 0x9c]],
];

/** The name of a non-gzip compressed container `head` starts with, if any. */
export function otherCompression(head: Uint8Array): string | undefined {
  return OTHER_CONTAINERS.find(([, magic]) => magic.every((b, i) => head[i] === b))?.[0];
}
