// Bundles every entry point into dist/. iced-x86 stays external: it loads its
// WebAssembly from its own folder at run time.
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const entries = [
  { in: 'src/cli/main.ts', out: 'cli' },
  { in: 'src/extension/extension.ts', out: 'extension' },
  { in: 'src/adapter/standalone.ts', out: 'adapter' },
  { in: 'src/server/main.ts', out: 'server' },
  { in: 'bench/run.ts', out: 'bench' },
].filter((entry) => existsSync(entry.in));

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
}
