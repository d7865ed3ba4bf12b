/**
 * The impairing proxy's rate cap and jitter bursts (test support of the scenario suite), with a real UDP
 * echo target: a burst far above the cap is mostly dropped at the full queue, and what is forwarded keeps
 * its order when `keepOrder` is set.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startImpairProxy, type ImpairProxy } from '../browser/support/udp-impair-proxy.ts';

let target: dgram.Socket;
let targetPort: number;
const received: number[] = [];

before(async () => {
  target = dgram.createSocket('udp4');
  target.on('message', (msg) => received.push(msg.readUInt32BE(0)));
  await new Promise<void>((resolve) => target.bind(0, '127.0.0.1', resolve));
  targetPort = (target.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => target.close(() => resolve())));

async function burst(proxy: ImpairProxy, count: number, bytes: number): Promise<void> {
  const client = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => client.bind(0, '127.0.0.1', resolve));
  for (let i = 0; i < count; i++) {
    const b = Buffer.alloc(bytes);
    b.writeUInt32BE(i, 0);
    await new Promise<void>((resolve) => client.send(b, proxy.port, proxy.host, () => resolve()));
  }
  client.close();
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('impairing UDP proxy', () => {
  it('a rate cap drops what does not fit in its queue', async () => {
    received.length = 0;
    // 100 kbit/s with a 200 ms queue holds about 2.5 kB: a few of 500 datagrams of 1000 bytes.
    const proxy = await startImpairProxy({
      target: { host: '127.0.0.1', port: targetPort },
      upstream: { loss: 0, delayMs: 0, rateKbps: 100, queueMs: 200 },
    });
    await burst(proxy, 500, 1000);
    await settle(600);
    const c = proxy.counters.upstream;
    await proxy.close();
    assert.equal(c.forwarded + c.dropped, 500, JSON.stringify(c));
    assert.ok(c.queueDrops >= 450, `queue drops ${c.queueDrops} of 500`);
    assert.equal(received.length, c.forwarded, 'every forwarded datagram arrived');
  });
  it('jitter with keepOrder never reorders', async () => {
    received.length = 0;
    const proxy = await startImpairProxy({
      target: { host: '127.0.0.1', port: targetPort },
      upstream: {
        loss: 0,
        delayMs: 0,
        jitter: { maxMs: 100, burstMs: 60_000, calmMs: 1, keepOrder: true },
      },
    });
    await burst(proxy, 200, 100);
    await settle(400);
    await proxy.close();
    assert.equal(received.length, 200, 'all arrived');
    assert.deepEqual(
      received,
      [...received].sort((a, b) => a - b),
      'in order',
    );
  });
});
