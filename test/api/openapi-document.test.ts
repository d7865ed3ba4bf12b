/**
 * docs/openapi.yaml is a document people load into tools: it must parse as YAML (a merge once interleaved two
 * sections into invalid YAML without anyone noticing), and every `$ref` must point at a component it defines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const file = path.resolve(import.meta.dirname, '../../docs/openapi.yaml');

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, Record<string, unknown>>;
}

function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refsIn(n, out));
  else if (node && typeof node === 'object')
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else refsIn(value, out);
    }
  return out;
}

test('docs/openapi.yaml parses, with paths and components', () => {
  const doc = parse(fs.readFileSync(file, 'utf8'), { uniqueKeys: true }) as OpenApiDocument;
  assert.match(doc.openapi, /^3\./, 'an OpenAPI 3 document');
  assert.ok(Object.keys(doc.paths).length > 10, 'the paths are all there');
  for (const p of [
    '/client/v4/accounts/{account_id}/realtime/kit/{app_id}/sessions/peer-report/{peer_id}',
    '/client/v4/accounts/{account_id}/realtime/kit/{app_id}/webhooks',
    '/client/v4/accounts/{account_id}/realtime/kit/{app_id}/analytics/quality',
    '/client/v4/accounts/{account_id}/realtime/kit/{app_id}/export/peers',
  ])
    assert.ok(doc.paths[p], `documents ${p}`);
});

test('every $ref of docs/openapi.yaml resolves inside the document', () => {
  const doc = parse(fs.readFileSync(file, 'utf8')) as OpenApiDocument;
  const resolves = (ref: string): boolean => {
    if (!ref.startsWith('#/')) return false;
    let node: unknown = doc;
    for (const part of ref.slice(2).split('/')) {
      const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
      if (!node || typeof node !== 'object' || !(key in node)) return false;
      node = (node as Record<string, unknown>)[key];
    }
    return node !== undefined;
  };
  const dangling = refsIn(doc).filter((ref) => !resolves(ref));
  assert.deepEqual(dangling, [], 'dangling $ref');
});
