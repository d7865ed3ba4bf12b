/**
 * A TCP proxy in front of the peer-report server that can cut the network:
 * - `pass`: forwards both ways;
 * - `cut`: every open connection is reset and new ones are reset on accept
 *   (the browser sees network errors);
 * - `lose-acks`: requests still reach the server (so batches are stored),
 *   but the connection is reset as soon as the server answers a POST to
 *   `/batches`: the client never sees the acknowledgement and must retry.
 */
import net from 'node:net';

export type ProxyMode = 'pass' | 'cut' | 'lose-acks';

export interface TcpCutProxy {
  url: string;
  /** Answers withheld in `lose-acks` mode. */
  lostAcks: number;
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1 in front of `target` (`http://host:port`). */
export async function startTcpCutProxy(target: string): Promise<TcpCutProxy> {
  const { hostname, port } = new URL(target);
  let mode: ProxyMode = 'pass';
  const open = new Set<net.Socket>();
  const state = { lostAcks: 0 };

  const server = net.createServer((client) => {
    if (mode === 'cut') return void client.resetAndDestroy();
    const upstream = net.connect(Number(port), hostname);
    open.add(client);
    open.add(upstream);
    let lastRequestLine = '';
    const closeBoth = () => {
      open.delete(client);
      open.delete(upstream);
      if (!client.destroyed) client.resetAndDestroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    client.on('data', (chunk) => {
      const text = chunk.toString('latin1', 0, Math.min(chunk.length, 200));
      const line = /^(GET|POST|PUT|DELETE|OPTIONS|HEAD|PATCH) \S+/.exec(text);
      if (line) lastRequestLine = line[0];
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (mode === 'lose-acks' && /^POST \S*\/batches/.test(lastRequestLine)) {
        state.lostAcks++;
        return closeBoth();
      }
      client.write(chunk);
    });
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);
    client.on('close', closeBoth);
    upstream.on('close', closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    get lostAcks() {
      return state.lostAcks;
    },
    setMode(next) {
      mode = next;
      if (next === 'cut')
        for (const s of [...open]) s.destroyed || (s instanceof net.Socket && s.resetAndDestroy());
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
