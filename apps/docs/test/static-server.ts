/**
 * Serves a built VitePress site (`.vitepress/dist`) on 127.0.0.1 the way a static host with
 * clean URLs does: `/road/blocking` → `road/blocking.html`, `/road/` → `road/index.html`. Anything
 * else is a 404 — which the browser test counts as a failed request.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The file a URL path names under `root`, or undefined. */
export function resolveFile(root: string, urlPath: string): string | undefined {
  const path = normalize(decodeURIComponent(urlPath.split(/[?#]/)[0] ?? '/'));
  if (path.includes('..')) return undefined;
  const candidates = path.endsWith('/')
    ? [join(root, path, 'index.html')]
    : [join(root, path), join(root, `${path}.html`), join(root, path, 'index.html')];
  return candidates.find((file) => existsSync(file) && statSync(file).isFile());
}

export interface StaticSite {
  readonly url: string;
  close(): Promise<void>;
}

export async function serveStatic(root: string): Promise<StaticSite> {
  const server: Server = createServer((request, response) => {
    const file = resolveFile(root, request.url ?? '/');
    if (file === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    response.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    });
    createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
