/**
 * Records a real chrome://webrtc-internals dump with Debian's Chromium: two tabs make a real
 * two-peer audio+video call (fake capture devices, BroadcastChannel signalling, host candidates
 * only), a third tab shows chrome://webrtc-internals and downloads its dump while the call is
 * still up (Chromium drops a closed PC from webrtc-internals).
 *
 * With `--same-tab`, both ends of the call live in one tab (the classic pc1/pc2 loopback page).
 *
 * Usage: node --import tsx scripts/record-webrtc-internals-dump.ts [out.json.gz] [--seconds 25] [--same-tab]
 * Default output: test/fixtures/webrtc-internals/chromium-two-tabs.json.gz
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const secondsFlag = args.indexOf('--seconds');
const seconds = secondsFlag >= 0 ? Number(args[secondsFlag + 1]) : 25;
const sameTab = args.includes('--same-tab');
const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--seconds');
const outFile = resolve(
  positional[0] ?? 'test/fixtures/webrtc-internals/chromium-two-tabs.json.gz',
);

/** The call page: `?role=caller` offers, `?role=callee` answers; both send fake audio+video. */
const CALL_PAGE = `<!doctype html><meta charset="utf-8"><title>peer-report recording</title>
<video id="remote" autoplay playsinline muted></video>
<script>
const role = new URLSearchParams(location.search).get('role');
const channel = new BroadcastChannel('peer-report-call');
const pc = new RTCPeerConnection({ iceServers: [] });
window.callState = 'starting';
pc.onicecandidate = (e) => channel.postMessage({ from: role, candidate: e.candidate && e.candidate.toJSON() });
pc.ontrack = (e) => { document.getElementById('remote').srcObject = e.streams[0]; };
pc.onconnectionstatechange = () => { window.callState = pc.connectionState; };
channel.onmessage = async ({ data }) => {
  if (data.from === role) return;
  if (data.hello && role === 'caller') await offer();
  if (data.description) {
    await pc.setRemoteDescription(data.description);
    if (data.description.type === 'offer') {
      await pc.setLocalDescription(await pc.createAnswer());
      channel.postMessage({ from: role, description: pc.localDescription.toJSON() });
    }
  }
  if (data.candidate) await pc.addIceCandidate(data.candidate);
};
async function offer() {
  await pc.setLocalDescription(await pc.createOffer());
  channel.postMessage({ from: role, description: pc.localDescription.toJSON() });
}
window.ready = (async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360, frameRate: 30 } });
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  if (role === 'callee') channel.postMessage({ from: role, hello: true });
  return true;
})();
</script>`;

/** Both ends in one page: pc1 sends and receives to/from pc2 directly. */
const LOOPBACK_PAGE = `<!doctype html><meta charset="utf-8"><title>peer-report loopback</title>
<video id="remote" autoplay playsinline muted></video>
<script>
window.callState = 'starting';
window.ready = (async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: { width: 640, height: 360, frameRate: 30 } });
  const pc1 = new RTCPeerConnection({ iceServers: [] });
  const pc2 = new RTCPeerConnection({ iceServers: [] });
  pc1.onicecandidate = (e) => e.candidate && pc2.addIceCandidate(e.candidate);
  pc2.onicecandidate = (e) => e.candidate && pc1.addIceCandidate(e.candidate);
  pc2.ontrack = (e) => { document.getElementById('remote').srcObject = e.streams[0]; };
  pc1.onconnectionstatechange = () => { window.callState = pc1.connectionState; };
  for (const track of stream.getTracks()) pc1.addTrack(track, stream);
  await pc1.setLocalDescription(await pc1.createOffer());
  await pc2.setRemoteDescription(pc1.localDescription);
  await pc2.setLocalDescription(await pc2.createAnswer());
  await pc1.setRemoteDescription(pc2.localDescription);
  return true;
})();
</script>`;

async function main(): Promise<void> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(req.url?.includes('loopback') ? LOOPBACK_PAGE : CALL_PAGE);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://localhost:${(server.address() as AddressInfo).port}/`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const context = await browser.newContext({ acceptDownloads: true });
    // Open webrtc-internals first so it collects stats from the start of the call.
    const internals = await context.newPage();
    await internals.goto('chrome://webrtc-internals');
    let caller;
    if (sameTab) {
      caller = await context.newPage();
      await caller.goto(`${base}loopback`);
      await caller.evaluate('window.ready');
    } else {
      const callee = await context.newPage();
      await callee.goto(`${base}?role=callee`);
      await callee.evaluate('window.ready');
      caller = await context.newPage();
      await caller.goto(`${base}?role=caller`);
      await caller.evaluate('window.ready');
      await callee.evaluate(
        `new BroadcastChannel('peer-report-call').postMessage({ from: 'callee', hello: true })`,
      );
    }
    await caller.waitForFunction('window.callState === "connected"', undefined, {
      timeout: 20_000,
    });
    process.stderr.write(`call connected, recording ${seconds} s\n`);
    await caller.waitForTimeout(seconds * 1000);
    // Dump while the PCs still exist: Chromium drops a PC from webrtc-internals once it is closed.
    await internals.bringToFront();
    // The dump section is a <details> element; open it, then click its download button.
    await internals.evaluate(`for (const d of document.querySelectorAll('details')) d.open = true`);
    const downloadPromise = internals.waitForEvent('download', { timeout: 30_000 });
    await internals
      .getByRole('button', { name: /download/i })
      .first()
      .click();
    const download = await downloadPromise;
    const path = await download.path();
    let bytes = readFileSync(path);
    if (!(bytes[0] === 0x1f && bytes[1] === 0x8b)) bytes = gzipSync(bytes, { level: 9 });
    mkdirSync(dirname(outFile), { recursive: true });
    writeFileSync(outFile, bytes);
    process.stderr.write(
      `wrote ${outFile} (${bytes.length} bytes, browser ${browser.version()})\n`,
    );
  } finally {
    await browser.close();
    server.close();
  }
}

await main();
