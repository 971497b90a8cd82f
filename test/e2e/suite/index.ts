// End-to-end tests of the built extension inside a real VS Code (code-server driven by
// headless Chromium in CI, or desktop VS Code through @vscode/test-electron). VS Code loads
// this file (out/e2e/index.js) as extensionTestsPath and awaits run().
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { installRecorder } from './debugHarness';
import { debugTests } from './debugTests';
import { languageTests } from './languageTests';
import { pageWalkPanelTests } from './pageWalkPanel';
import { assert, runTests, type TestCase } from './runner';
import { settingsTests } from './settingsTests';
import { vmxViewsTests } from './vmxViews';
import { memoryViewsTests } from './memoryViews';
import { devicesViewTests } from './devicesView';

const EXTENSION_ID = 'hyperscope.hyperscope';

interface HyperscopeApi {
  activationMs: number;
  languageServerReady: Promise<void>;
}

function isApi(value: unknown): value is HyperscopeApi {
  return typeof value === 'object' && value !== null && typeof (value as Partial<HyperscopeApi>).activationMs === 'number';
}

/** Shared by the test files: the extension's folder and what activation measured. */
export interface E2eContext {
  extensionPath: string;
  samples: string;
  metrics: Record<string, number | string | boolean>;
}

function activationTests(context: E2eContext): TestCase[] {
  return [
    {
      name: 'the extension activates and reports its activation time',
      run: async () => {
        const extension = vscode.extensions.getExtension(EXTENSION_ID);
        assert(extension, `extension ${EXTENSION_ID} is not installed`);
        const expectedUnder = process.env.HYPERSCOPE_E2E_EXTENSION_UNDER;
        if (expectedUnder) assert(extension.extensionPath.startsWith(expectedUnder), `extension loaded from ${extension.extensionPath}, expected under ${expectedUnder}`);
        const wasActive = extension.isActive;
        const started = performance.now();
        const api: unknown = await extension.activate();
        context.metrics.activateCallMs = Math.round((performance.now() - started) * 10) / 10;
        context.metrics.alreadyActive = wasActive;
        assert(extension.isActive, 'extension.isActive is false after activate()');
        assert(isApi(api), `activate() returned ${JSON.stringify(api)}, not the Hyperscope API`);
        context.metrics.activationMs = Math.round(api.activationMs * 10) / 10;
        await api.languageServerReady;
      },
    },
  ];
}

/** scripts/e2e-run.mjs names the file through code-server's environment; else test-results/ of the extension. */
interface ManifestFiles {
  contributes?: {
    walkthroughs?: Array<{ steps: Array<{ id: string; media: { markdown?: string } }> }>;
    grammars?: Array<{ path: string }>;
    languages?: Array<{ configuration?: string }>;
  };
  main?: string;
}

/** Every file the manifest points at is present where the extension was loaded from (the .vsix run proves packaging). */
function manifestFilesTest(context: E2eContext): TestCase {
  return {
    name: 'every file the manifest names (main, grammar, language configuration, walkthrough media) is shipped',
    run: async () => {
      const manifest = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as ManifestFiles | undefined;
      assert(manifest?.contributes, 'no manifest contributions');
      const steps = manifest.contributes.walkthroughs?.[0]?.steps ?? [];
      assert(steps.length >= 4, `walkthrough has ${steps.length} steps`);
      const files = [
        manifest.main,
        ...(manifest.contributes.grammars ?? []).map((grammar) => grammar.path),
        ...(manifest.contributes.languages ?? []).map((language) => language.configuration),
        ...steps.map((step) => step.media.markdown),
      ].filter((file): file is string => typeof file === 'string');
      const missing = files.filter((file) => !fs.existsSync(path.join(context.extensionPath, file)));
      assert(missing.length === 0, `missing from ${context.extensionPath}: ${missing.join(', ')}`);
      const document = await vscode.commands.executeCommand('hyperscope.newFile').then(() => vscode.window.activeTextEditor?.document);
      assert(document?.languageId === 'hvasm' && /out\s+0xf4/.test(document.getText()), 'hyperscope.newFile did not open the hvasm template');
    },
  };
}

function writeMetrics(context: E2eContext): void {
  const file = process.env.HYPERSCOPE_E2E_METRICS ?? path.join(context.extensionPath, 'test-results', 'e2e-metrics.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify({ ...context.metrics, vscodeVersion: vscode.version, at: new Date().toISOString() }, null, 2) + '\n');
}

export async function run(): Promise<void> {
  const extensionPath = vscode.extensions.getExtension(EXTENSION_ID)?.extensionPath ?? path.resolve(__dirname, '..', '..');
  // The workspace is samples/ (both harnesses open it); the extension may be the repo or an installed .vsix.
  const samples = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.join(extensionPath, 'samples');
  const context: E2eContext = { extensionPath, samples, metrics: {} };
  console.log(`Hyperscope e2e in VS Code ${vscode.version} (${vscode.env.appName}, ${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'}); extension at ${extensionPath}`);
  // Untitled documents from the language tests must not block debug starts with a Save As prompt.
  await vscode.workspace.getConfiguration('debug').update('saveBeforeStart', 'none', vscode.ConfigurationTarget.Global);
  const recorder = installRecorder('hyperscope');
  try {
    const summary = await runTests([...activationTests(context), manifestFilesTest(context), ...languageTests(context), ...settingsTests(), ...debugTests(context), ...pageWalkPanelTests(context), ...vmxViewsTests(context), ...memoryViewsTests(context), ...devicesViewTests(context)]);
    context.metrics.passed = summary.passed;
    context.metrics.failed = summary.failed;
    context.metrics.skipped = summary.skipped;
    writeMetrics(context);
    if (summary.failed > 0) throw new Error(`${summary.failed} end-to-end test(s) failed`);
  } finally {
    recorder.dispose();
  }
}
