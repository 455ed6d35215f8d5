/**
 * The baseline: a bare Fastify route that answers what the benchmark's responsive workflow answers,
 * `{"ok": true, "n": 0}`, to a POST with a small JSON body. No store, no engine, no auth: the
 * ceiling a Fastify server on this machine reaches for this request, against which Weir is compared.
 *
 * Run as its own process (its own event loop, like the Weir server) by trigger.bench.ts:
 * `node --no-node-snapshot --import tsx bench/bare-server.ts`. Listens on 127.0.0.1, on `BARE_PORT`
 * (default 0: a free port) and prints `BARE_LISTENING <port>` once it accepts connections.
 */
import './orphan-guard.js';
import Fastify from 'fastify';

const app = Fastify({ logger: false });

// The same path shape as the trigger route, so routing does comparable work.
app.post('/api/v1/workflows/:id/sync', async () => ({ ok: true, n: 0 }));

const requestedPort = Number(process.env.BARE_PORT ?? 0);
await app.listen({ host: '127.0.0.1', port: Number.isInteger(requestedPort) ? requestedPort : 0 });

const address = app.server.address();
const port = typeof address === 'object' && address !== null ? address.port : requestedPort;
process.stdout.write(`BARE_LISTENING ${port}\n`);

let isClosing = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (isClosing) return;
    isClosing = true;
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
