import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerUiAssets } from './ui-assets.js';

describe('registerUiAssets', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function serve(distDir: string): Promise<FastifyInstance> {
    const app = Fastify({ logger: false });
    await registerUiAssets(app, { distDir });
    await app.ready();
    cleanups.push(() => app.close());
    return app;
  }

  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'weir-ui-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    return dir;
  }

  it('answers / with a page that says to build the UI when ui/dist is missing', async () => {
    const app = await serve(path.join(await tempDir(), 'dist'));
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<code>npm run build</code>');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const asset = await app.inject({ method: 'GET', url: '/assets/index.js' });
    expect(asset.statusCode).toBe(404);
  });

  it('serves index.html at / (revalidated) and the hashed assets (immutable), nothing outside them', async () => {
    const dist = path.join(await tempDir(), 'dist');
    await mkdir(path.join(dist, 'assets'), { recursive: true });
    await writeFile(
      path.join(dist, 'index.html'),
      '<!doctype html><title>Weir</title><script src="/assets/app-1a2b.js"></script>',
    );
    await writeFile(path.join(dist, 'assets', 'app-1a2b.js'), 'console.log("weir")');
    const app = await serve(dist);

    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('/assets/app-1a2b.js');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect((await app.inject({ method: 'HEAD', url: '/' })).statusCode).toBe(200);

    const asset = await app.inject({ method: 'GET', url: '/assets/app-1a2b.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.body).toBe('console.log("weir")');

    expect((await app.inject({ method: 'GET', url: '/assets/../index.html' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/assets/%2e%2e/index.html' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/index.html' })).statusCode).toBe(404);
  });
});
