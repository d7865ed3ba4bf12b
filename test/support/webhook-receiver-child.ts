/**
 * A webhook receiver in a process of its own (answers 200, counts distinct events), so that a busy load
 * generator's event loop (or a test that blocks its own) does not delay its answers: one webhook's deliveries go
 * one request at a time, and a receiver that answers late caps them. Reports `{port}` once listening, then
 * `{gen, count, first, last}` to its parent every 50 ms; the message `{reset: gen}` clears the count, and
 * `{times: true}` asks for the epoch ms of every arrival since (`{times: [...]}`, the latest 100,000).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const seen = new Set<string>();
let first = 0;
let last = 0;
let gen = 0;
let times: number[] = [];
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const now = performance.now() + performance.timeOrigin;
    if (seen.size === 0) first = now;
    seen.add(`${req.headers['rtk-webhook-id']} ${req.headers['rtk-uuid']}`);
    last = now;
    if (times.length < 100_000) times.push(now);
    res.writeHead(200).end();
  });
});
server.listen(0, '127.0.0.1', () => {
  process.send!({ port: (server.address() as AddressInfo).port });
  setInterval(() => {
    if (process.connected) process.send!({ gen, count: seen.size, first, last });
  }, 50);
});
// The parent went away (it failed or finished): nothing left to report to.
process.on('disconnect', () => process.exit(0));
process.on('message', (m: { reset?: number; exit?: boolean; times?: boolean }) => {
  if (m.times) process.send!({ times });
  if (m.reset !== undefined) {
    gen = m.reset;
    seen.clear();
    times = [];
    first = last = 0;
    process.send!({ gen, count: 0, first, last });
  }
  if (m.exit) process.exit(0);
});
