// Bundles every entry point into dist/. iced-x86 stays external: it loads its
// WebAssembly from its own folder at run time.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const entries = [
  { in: 'src/cli/main.ts', out: 'cli' },
  { in: 'src/extension/extension.ts', out: 'extension' },
  { in: 'src/adapter/standalone.ts', out: 'adapter' },
  { in: 'src/adapter/inline.ts', out: 'adapterInline' }, // createSession() for the extension's inline adapter
  { in: 'src/server/main.ts', out: 'server' },
  { in: 'bench/run.ts', out: 'bench' },
].filter((entry) => existsSync(entry.in));

// The end-to-end test entry runs inside VS Code's extension host; kept out of dist/ (and the .vsix).
const e2e = 'test/e2e/suite/index.ts';
const e2eOptions = existsSync(e2e)
  ? { entryPoints: [{ in: e2e, out: 'index' }], outdir: 'out/e2e', bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: true, external: ['vscode'], logLevel: 'warning' }
  : undefined;

const watch = process.argv.includes('--watch');
const options = {
  entryPoints: entries,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  external: ['vscode', 'iced-x86'],
  logLevel: 'warning',
};

const webview = 'src/webview/main.ts';
const webviewOptions = existsSync(webview)
  ? { entryPoints: [{ in: webview, out: 'webview' }], outdir: 'dist', bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: true, logLevel: 'warning' }
  : undefined;

if (watch) {
  const contexts = [await esbuild.context(options), ...(webviewOptions ? [await esbuild.context(webviewOptions)] : [])];
  await Promise.all(contexts.map((context) => context.watch()));
} else {
  await esbuild.build(options);
  if (webviewOptions) await esbuild.build(webviewOptions);
  if (e2eOptions) await esbuild.build(e2eOptions);
}
