/** Which webhook targets are allowed: address classes, URL forms, and the connection-time lookup. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyAddress,
  guardedLookup,
  isAllowedAddress,
  urlFormProblem,
  checkLiteralHost,
} from '../../src/webhooks/target-address.ts';

test('addresses: public unicast allowed; loopback only by policy; every other special range refused', () => {
  for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700::1111'])
    assert.equal(classifyAddress(a), 'public', a);
  for (const a of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'])
    assert.equal(classifyAddress(a), 'loopback', a);
  for (const a of [
    '10.0.0.1',
    '172.16.5.4',
    '192.168.0.1',
    '169.254.169.254',
    'fe80::1',
    'fc00::1',
    'fd12::1',
    '100.64.0.1',
    '0.0.0.0',
    '::',
    '224.0.0.1',
    '255.255.255.255',
    '::ffff:192.168.1.1',
    '2001:db8::1',
  ]) {
    assert.equal(classifyAddress(a), 'private', a);
    assert.equal(isAllowedAddress(a, 'none'), false, a);
    assert.equal(isAllowedAddress(a, 'loopback'), false, a);
    assert.equal(isAllowedAddress(a, 'all'), true, a);
  }
  assert.equal(isAllowedAddress('127.0.0.1', 'none'), false);
  assert.equal(isAllowedAddress('127.0.0.1', 'loopback'), true);
});

test('URL forms', () => {
  assert.equal(urlFormProblem('https://hooks.example.net/rtk'), undefined);
  assert.match(urlFormProblem('hooks.example.net')!, /absolute/);
  assert.match(urlFormProblem('file:///etc/passwd')!, /http or https/);
  assert.match(urlFormProblem('gopher://x/')!, /http or https/);
  assert.match(urlFormProblem('https://a:b@x.net/')!, /credentials/);
  assert.throws(() => checkLiteralHost(new URL('http://[::1]:8080/'), 'none'), /loopback/);
  assert.doesNotThrow(() => checkLiteralHost(new URL('http://[::1]:8080/'), 'loopback'));
});

test('the connection-time lookup refuses a name that resolves to a forbidden address', async () => {
  const lookup = guardedLookup('none');
  const err = await new Promise<Error | null>((resolve) =>
    lookup('localhost', {}, (e) => resolve(e)),
  );
  assert.match(String(err?.message), /localhost resolves to .* loopback address/);
  const ok = await new Promise<unknown>((resolve, reject) =>
    guardedLookup('loopback')('localhost', { all: true }, (e, addresses) =>
      e ? reject(e) : resolve(addresses),
    ),
  );
  assert.ok(Array.isArray(ok) && ok.length > 0, 'Array.isArray(ok) && ok.length > 0');
});
