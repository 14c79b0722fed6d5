import fastifyHelmet from '@fastify/helmet';
import Fastify from 'fastify';
import { HELMET_OPTIONS, securityHeaders } from './security-headers.js';

describe('securityHeaders', () => {
  it('equals what the helmet Fastify plugin sends with the same options', async () => {
    const app = Fastify();
    // The plugin bundles its own copy of helmet's option types: same shape, another declaration.
    await app.register(fastifyHelmet, HELMET_OPTIONS as never);
    app.get('/', async () => ({ ok: true }));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(url);
    await app.close();
    const headers = Object.fromEntries(res.headers);
    const precomputed = Object.fromEntries(securityHeaders(HELMET_OPTIONS));
    const fromPlugin = Object.fromEntries(
      Object.keys(precomputed).map((name) => [name, headers[name]]),
    );
    expect(precomputed).toEqual(fromPlugin);
    // Every header the plugin adds is among them (nothing but Fastify's own is left over).
    const own = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);
    const extra = Object.keys(headers).filter((h) => !own.has(h) && !(h in precomputed));
    expect(extra).toEqual([]);
  });

  it('includes the CSP that lets the API docs run, and no X-Powered-By', () => {
    const headers = new Map(securityHeaders(HELMET_OPTIONS));
    expect(headers.get('content-security-policy')).toContain("script-src 'self' 'unsafe-inline'");
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.has('x-powered-by')).toBe(false);
  });
});
