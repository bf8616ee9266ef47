// The load generator of the API benchmark, run in its own Node process so that it does not share
// the server's event loop. argv[2]: JSON { url, headers, connections, seconds }.
// Prints one line `RESULT <json>`: every response's latency (ms) and per-second counts.
import autocannon from 'autocannon';

const cfg = JSON.parse(process.argv[2]);
const latencies = [];
const statuses = {};
const start = Date.now();
const perSecond = new Array(Math.ceil(cfg.seconds) + 2).fill(0);

const instance = autocannon({
  url: cfg.url,
  headers: cfg.headers,
  connections: cfg.connections,
  duration: cfg.seconds,
  pipelining: 1,
  timeout: 30,
});
instance.on('response', (_client, statusCode, _bytes, responseTime) => {
  latencies.push(responseTime);
  statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
  const s = Math.floor((Date.now() - start) / 1000);
  if (s < perSecond.length) perSecond[s]++;
});
const result = await new Promise((resolve, reject) => instance.on('done', resolve).on('error', reject));
// Whole seconds only: the last one is cut short by the end of the run.
const seconds = perSecond.slice(0, Math.floor(cfg.seconds));
console.log(
  `RESULT ${JSON.stringify({
    latencies,
    perSecond: seconds,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    total: latencies.length,
    durationSeconds: result.duration,
  })}`,
);
