/**
 * The bound RealtimeKit's signature scheme puts on webhook delivery: CPU per RSA-2048 PKCS#1 v1.5 SHA-256
 * signature of an event body (what `rtk-signature` costs, once per event), measured in this process with
 * node:crypto and a KeyObject made once, as the dispatcher signs.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { round } from './support.ts';

/** CPU ms per signature of `body`, signatures per second one core can make, and the cores 1,000 events/s take. */
export function rsaSignBound(body: string, n = 2_000) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const bytes = Buffer.from(body, 'utf8');
  for (let i = 0; i < 100; i++) sign('sha256', bytes, privateKey);
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) sign('sha256', bytes, privateKey);
  const c = process.cpuUsage(c0);
  const ms = (c.user + c.system) / 1000 / n;
  return {
    cpuMsPerSignature: round(ms, 4),
    signaturesPerCoreSecond: Math.round(1000 / ms),
    coresFor1000PerSecond: round(ms, 3),
  };
}
