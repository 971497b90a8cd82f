// Commands contributed in package.json: debug/run the current file, restart the language
// server, show the log, walk an address, open the page-walk visualizer.
import * as vscode from 'vscode';
import { fileConfiguration, LANGUAGE_ID } from './debugConfiguration';
import type { LanguageClientHost } from './languageClient';
import { targetOf } from '../protocol/webview';
import { log } from './outputChannel';
import type { PageWalkPanel } from './pageWalkPanel';
import type { PageWalkView } from './pageWalkView';

export const COMMANDS = {
  debugThisFile: 'hyperscope.debugThisFile',
  runThisFile: 'hyperscope.runThisFile',
  restartLanguageServer: 'hyperscope.restartLanguageServer',
  showLog: 'hyperscope.showLog',
  newFile: 'hyperscope.newFile',
  walkAddress: 'hyperscope.pageWalk.walkAddress',
  walkRip: 'hyperscope.pageWalk.followRip',
  showPageWalk: 'hyperscope.showPageWalk',
} as const;

/** Starting point of "New hvasm File": a bare-mode program that prints and exits. */
const NEW_FILE_TEMPLATE = `; A bare-mode Hyperscope program: runs in ring 0 at 1 MiB.
bits 64
org 0x100000

start:
        mov     dx, 0x3f8       ; COM1
        mov     al, 'A'
        out     dx, al          ; one byte over the serial port
        xor     eax, eax
        out     0xf4, al        ; debug-exit port: stop with exit code 0
`;

/** The file a command acts on: the editor-title/explorer argument, else the active hvasm editor. */
function targetFile(resource: unknown): vscode.Uri | undefined {
  if (resource instanceof vscode.Uri) return resource;
  const document = vscode.window.activeTextEditor?.document;
  return document && document.languageId === LANGUAGE_ID ? document.uri : undefined;
}

async function launchFile(resource: unknown, noDebug: boolean): Promise<boolean> {
  const file = targetFile(resource);
  if (!file) {
    void vscode.window.showInformationMessage('Hyperscope: open an .hvasm file first.');
    return false;
  }
  const config = fileConfiguration(file.fsPath, `${noDebug ? 'Run' : 'Debug'} ${vscode.workspace.asRelativePath(file, false)}`, noDebug);
  return vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(file), config, { noDebug });
}

function addressOf(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  const address = (target as { address?: unknown } | null | undefined)?.address;
  return typeof address === 'string' ? address : undefined;
}

export function registerCommands(languageClient: LanguageClientHost, pageWalk: PageWalkView, panel: PageWalkPanel): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand(COMMANDS.debugThisFile, (resource: unknown) => launchFile(resource, false)),
    vscode.commands.registerCommand(COMMANDS.runThisFile, (resource: unknown) => launchFile(resource, true)),
    vscode.commands.registerCommand(COMMANDS.restartLanguageServer, () => languageClient.restart()),
    vscode.commands.registerCommand(COMMANDS.showLog, () => log().show()),
    // From the palette or view title (no argument: ask), a test (a string), or a Guest Page Tables row.
    vscode.commands.registerCommand(COMMANDS.walkAddress, (target?: unknown) => pageWalk.walkAddress(addressOf(target))),
    vscode.commands.registerCommand(COMMANDS.walkRip, () => pageWalk.walkAddress('rip')),
    // The visualizer: on a row's or a test's address, else on what the Page Walk view walks (RIP by default).
    vscode.commands.registerCommand(COMMANDS.showPageWalk, (target?: unknown) => {
      const address = addressOf(target);
      return panel.show(address === undefined ? pageWalk.currentTarget : targetOf(address, 'read'));
    }),
    vscode.commands.registerCommand(COMMANDS.newFile, async () => {
      const document = await vscode.workspace.openTextDocument({ language: LANGUAGE_ID, content: NEW_FILE_TEMPLATE });
      await vscode.window.showTextDocument(document);
    }),
  );
}
