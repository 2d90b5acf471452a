// `npm run build`: the provider as it ships, bundled by esbuild into dist/ (docs/benchmarks.md,
// "Footprint"). One module per entry point instead of ~300 files and their node_modules: less to
// read, parse and hold on every node, and an image that needs no node_modules. Two entry points:
// the process (`main.js`) and the sandbox worker (`sandbox-worker.js`, which sandbox-worker-entry.ts
// finds beside the module that loads it). Parts loaded with `import()` (operator commands, the
// Kubernetes client) become chunks of their own, read only when used. Chunks stay in dist/ itself
// because modules find `proto/` and `package.json` relative to their own URL.
import { chmod, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist');
await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: join(root, 'src/main.ts'), 'sandbox-worker': join(root, 'src/mount/sandbox-worker.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  // Whitespace and syntax only: identifiers keep their names, so error classes keep theirs
  // (`errorType` in the logs) without esbuild's keepNames, which costs ~4 MB at start.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  // Licences of the bundled packages go beside the bundle, not into it (a non-ASCII character
  // anywhere in a module makes V8 hold its whole source as UTF-16, twice the bytes).
  legalComments: 'external',
  chunkNames: 'chunk-[hash]',
  // Bundled CommonJS packages call `require` for Node's built-ins.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
// `vault-csi-provider` (package.json bin) runs the bundle directly.
await chmod(join(outdir, 'main.js'), 0o755);
