// Runs the same end-to-end entry (out/e2e/index.js) in a desktop VS Code through
// @vscode/test-electron: on a developer's machine, not in CI (no Electron build can be
// downloaded there; CI uses scripts/e2e-run.mjs with code-server instead).
//
//   npm run build && node test/e2e/runDesktop.mjs            # downloads a VS Code once
//   VSCODE_EXECUTABLE=/usr/bin/code node test/e2e/runDesktop.mjs   # or uses yours
//   VSCODE_EXECUTABLE=test/e2e/codeServerShim.sh node test/e2e/runDesktop.mjs   # code-server here
import { runTests } from '@vscode/test-electron';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const userData = mkdtempSync(join(tmpdir(), 'hyperscope-e2e-desktop-'));

try {
  await runTests({
    extensionDevelopmentPath: repo,
    extensionTestsPath: join(repo, 'out', 'e2e', 'index.js'),
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
    launchArgs: [join(repo, 'samples'), '--disable-extensions', '--disable-workspace-trust', `--user-data-dir=${userData}`],
  });
} catch (error) {
  console.error(`desktop e2e failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
