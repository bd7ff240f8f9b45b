/**
 * The UI's static files (src/ui/static/: the page, its one script and one stylesheet, the login form, the icon), read
 * once on first use and served from memory with an ETag, and the security headers every UI response carries. Nothing
 * on the page comes from elsewhere: the Content-Security-Policy allows this origin only and no inline script, so even
 * a rendering mistake could not run a script smuggled into an alert.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Beside the sources; the compiled module is in dist/ui/, and the package ships src/ (the image copies it too). */
const STATIC_DIR = new URL('../../src/ui/static/', import.meta.url);

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};

export const ASSET_NAMES = ['index.html', 'login.html', 'app.js', 'style.css', 'favicon.svg'] as const;
export type AssetName = (typeof ASSET_NAMES)[number];

/** Sent with every UI response, data and files alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

let loading: Promise<ReadonlyMap<AssetName, Asset>> | undefined;

/** Every asset, read on the first call (a missing file rejects: the package is incomplete). */
export function loadAssets(): Promise<ReadonlyMap<AssetName, Asset>> {
  loading ??= Promise.all(ASSET_NAMES.map(async (name) => {
    const body = await readFile(new URL(name, STATIC_DIR));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    return [name, { body, type: TYPES[name.slice(name.lastIndexOf('.') + 1)]!, etag }] as const;
  })).then((entries) => new Map(entries), (err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}

/**
 * Serves an asset (304 when the browser's copy is current), `status` and `replace` for the login page's message.
 * The browser revalidates every time (no-cache), so a new version is picked up at once.
 */
export async function serveAsset(
  req: IncomingMessage, res: ServerResponse, name: AssetName, options: { status?: number; replace?: [string, string] } = {},
): Promise<void> {
  const asset = (await loadAssets()).get(name)!;
  const headers = { ...SECURITY_HEADERS, 'content-type': asset.type, 'cache-control': 'no-cache' };
  if (options.replace) {
    const body = asset.body.toString('utf8').replace(options.replace[0], options.replace[1]);
    res.writeHead(options.status ?? 200, { ...headers, 'cache-control': 'no-store' }).end(body);
    return;
  }
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, { ...headers, etag: asset.etag }).end();
    return;
  }
  res.writeHead(options.status ?? 200, { ...headers, etag: asset.etag }).end(asset.body);
}
