/**
 * The lab's Content-Security-Policy. Nothing is evaluated from strings (WebAssembly compiles
 * under 'wasm-unsafe-eval', not 'unsafe-eval'), every script and connection stays on the page's
 * own origin, and workers come from the origin or from blob: URLs (the threaded wasm backend
 * starts its threads from a blob). The built page carries it as a <meta> tag, for any static
 * host; preview (and any host that can) also sends it as a header, which is what governs the
 * workers: a worker's policy comes from its own response, not from the page's tag.
 */
import type { Plugin } from 'vite';

const POLICY: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'", 'blob:'],
  'worker-src': ["'self'", 'blob:'],
  'connect-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'style-src': ["'self'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'none'"],
};

/**
 * The dev server adds an inline script (React refresh), inline styles and a websocket for hot
 * reload; dev gets those on top, and still no eval.
 */
const DEV_EXTRA: Record<string, string[]> = {
  'script-src': ["'unsafe-inline'"],
  'style-src': ["'unsafe-inline'"],
  'connect-src': ['ws:', 'wss:'],
};

function serialise(policy: Record<string, string[]>): string {
  return Object.entries(policy)
    .map(([directive, sources]) => `${directive} ${sources.join(' ')}`)
    .join('; ');
}

export const CONTENT_SECURITY_POLICY = serialise(POLICY);

export const DEV_CONTENT_SECURITY_POLICY = serialise(
  Object.fromEntries(
    Object.entries(POLICY).map(([directive, sources]) => [directive, [...sources, ...(DEV_EXTRA[directive] ?? [])]]),
  ),
);

/**
 * WASM threads need SharedArrayBuffer, which needs cross-origin isolation: every page and worker
 * must be served with these two headers, in dev, in preview and on any static host.
 */
export const CROSS_ORIGIN_ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Every header a static host should send with every file of `dist/`. */
export const STATIC_HOST_HEADERS: Record<string, string> = {
  ...CROSS_ORIGIN_ISOLATION,
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
};

/**
 * `dist/_headers`: the header file Netlify and Cloudflare Pages read (a path pattern, then its
 * headers indented), so the built folder deploys to either as it is.
 */
export function headersFile(): string {
  const lines = Object.entries(STATIC_HOST_HEADERS).map(([name, value]) => `  ${name}: ${value}`);
  return `/*\n${lines.join('\n')}\n`;
}

/**
 * Writes the policy into the built index.html as a <meta http-equiv> tag, and the headers into
 * dist/_headers for the hosts that read it.
 */
export function cspPlugin(): Plugin {
  return {
    name: 'mnist-gan-lab:csp',
    apply: 'build',
    transformIndexHtml() {
      return [
        {
          tag: 'meta',
          attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY },
          injectTo: 'head-prepend',
        },
      ];
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: '_headers', source: headersFile() });
    },
  };
}
