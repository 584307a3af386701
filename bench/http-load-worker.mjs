// The HTTP client side of a benchmark, in its own thread so that the client's own CPU use does
// not run on the server's event loop. Plain JavaScript: worker threads do not inherit the tsx
// loader. Receives { url, bodies, concurrency, name, contentType?, headers? }, posts back a Sample (see lib.ts).
import { parentPort, workerData } from 'node:worker_threads';

const {
  url,
  bodies,
  concurrency,
  name,
  contentType = 'application/json',
  headers = {},
} = workerData;
const latencies = [];
let next = 0;
const start = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    for (;;) {
      const i = next++;
      if (i >= bodies.length) return;
      const t0 = process.hrtime.bigint();
      const res = await fetch(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': contentType },
        body: bodies[i],
      });
      if (res.status !== 200) throw new Error(`request failed: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  }),
);
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
latencies.sort((a, b) => a - b);
parentPort.postMessage({ name, ops: bodies.length, seconds, latencies, concurrency });
