/** Address truncation in free text and candidate lines (pure). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  redactAddress,
  redactAddressesInText,
  redactCandidateLine,
} from '../../src/ingest/redact-addresses.ts';

test('addresses are cut to /24 and /48; what is not an address is left alone', () => {
  assert.equal(redactAddress('81.2.69.142'), '81.2.69.0');
  assert.equal(redactAddress('2a02:1234:5678:9abc::1'), '2a02:1234:5678::');
  assert.equal(redactAddress('[2a02:1234:5678:9abc::1]'), '[2a02:1234:5678::]');
  assert.equal(redactAddress('::ffff:81.2.69.142'), '81.2.69.0');
  for (const other of ['6f1c2a3e-aaaa.local', 'stun.example.org', '999.1.1.1', '', 'a:b'])
    assert.equal(redactAddress(other), other);
  assert.equal(
    redactAddressesInText('from 81.2.69.142:5000 and [fe80::1%eth0]'),
    'from 81.2.69.0:5000 and [fe80:0:0::%eth0]',
  );
  assert.equal(
    redactAddressesInText('ends with fe80::1. And 81.2.69.142.'),
    'ends with fe80:0:0::. And 81.2.69.0.',
  );
  assert.equal(
    redactAddressesInText('at 12:30:45, v1.2.3, mac aa:bb:cc:dd:ee:ff'),
    'at 12:30:45, v1.2.3, mac aa:bb:cc:dd:ee:ff',
  );
  const fingerprint =
    'a=fingerprint:sha-256 ' +
    Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(
      ':',
    );
  assert.equal(redactAddressesInText(fingerprint), fingerprint);
});

test('candidate lines: relay addresses stay, related addresses and others are cut', () => {
  assert.equal(
    redactCandidateLine(
      'candidate:2 1 udp 41885 203.0.113.9 3478 typ relay raddr 81.2.69.142 rport 6000 generation 0',
    ),
    'candidate:2 1 udp 41885 203.0.113.9 3478 typ relay raddr 81.2.69.0 rport 6000 generation 0',
  );
  assert.equal(
    redactCandidateLine('a=candidate:1 1 udp 2122 2a02:1234:5678:9abc::1 5000 typ host'),
    'a=candidate:1 1 udp 2122 2a02:1234:5678:: 5000 typ host',
  );
  assert.equal(
    redactCandidateLine('candidate:1 1 udp 2122 abc.local 5000 typ host'),
    'candidate:1 1 udp 2122 abc.local 5000 typ host',
  );
});

test('no whole IPv4 or IPv6 address survives in any text', () => {
  const v4 = fc
    .tuple(
      fc.integer({ min: 1, max: 255 }),
      fc.nat(255),
      fc.nat(255),
      fc.integer({ min: 1, max: 255 }),
    )
    .map((p) => p.join('.'));
  const v6 = fc.ipV6();
  const filler = fc.constantFrom(' ', ', ', ' c=IN IP4 ', '"', '=', ' raddr ', '[', ']:', '\r\n');
  fc.assert(
    fc.property(
      fc.array(fc.tuple(filler, fc.oneof(v4, v6)), { minLength: 1, maxLength: 6 }),
      (parts) => {
        const text = parts.map(([f, a]) => f + a).join('') + ' ';
        const out = redactAddressesInText(text);
        for (const [, address] of parts) {
          const cut = redactAddress(address);
          if (cut !== address)
            assert.ok(
              !out.includes(` ${address} `) && !out.split(/[\s,"=\[\]]+/).includes(address),
              `${address} in ${out}`,
            );
        }
      },
    ),
    { seed: 11, numRuns: 300 },
  );
});
