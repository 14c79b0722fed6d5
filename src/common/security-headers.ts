import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/** The API's helmet configuration: a CSP that lets the Swagger UI at /docs run. */
export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      scriptSrc: ["'self'", "'unsafe-inline'"],
      // Helmet's default `upgrade-insecure-requests` makes a browser fetch the Swagger UI's
      // assets over https when /docs is opened by a host name over plain http (behind a
      // TLS-terminating proxy the page is https anyway): the page stays blank. Not set.
      upgradeInsecureRequests: null,
    },
  },
};

/**
 * The headers helmet sends for `options`, computed once by running its middleware against a
 * response that only records them. The directives are static (no nonces), so every response
 * gets the same values: the Fastify plugin instead builds a new helmet middleware, and parses
 * the CSP directives again, on every request.
 */
export function securityHeaders(options: HelmetOptions): ReadonlyArray<[string, string]> {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.set(name.toLowerCase(), String(value));
      return recorder;
    },
    removeHeader(name: string) {
      headers.delete(name.toLowerCase());
    },
    getHeader(name: string) {
      return headers.get(name.toLowerCase());
    },
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
  });
  return [...headers];
}
