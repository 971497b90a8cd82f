// Language features through the real language client: the hvasm language and grammar are
// registered, the server publishes diagnostics for a bad line, hover explains vmlaunch.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { E2eContext } from './index';
import { assert, eventually, type TestCase } from './runner';

async function openHvasm(content: string): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument({ language: 'hvasm', content });
  await vscode.window.showTextDocument(document);
  return document;
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((hover) => hover.contents)
    .map((content) => (typeof content === 'string' ? content : content.value))
    .join('\n');
}

export function languageTests(context: E2eContext): TestCase[] {
  return [
    {
      name: 'hvasm is a registered language and .hvasm files open as hvasm',
      run: async () => {
        const languages = await vscode.languages.getLanguages();
        assert(languages.includes('hvasm'), `hvasm missing from ${languages.length} languages`);
        const document = await vscode.workspace.openTextDocument(path.join(context.samples, 'hello.hvasm'));
        assert(document.languageId === 'hvasm', `hello.hvasm opened as ${document.languageId}`);
      },
    },
    {
      name: 'a bad line gets a diagnostic from the language server',
      run: async () => {
        const document = await openHvasm('bits 64\nstart:\n        mov rax, 1\n        frobnicate rax, rbx\n');
        const diagnostics = await eventually(() => {
          const found = vscode.languages.getDiagnostics(document.uri);
          return found.length > 0 ? found : undefined;
        }, 'diagnostics for the bad line');
        const onBadLine = diagnostics.find((d) => d.range.start.line === 3);
        assert(onBadLine, `no diagnostic on line 4; got ${JSON.stringify(diagnostics.map((d) => [d.range.start.line, d.message]))}`);
        assert(onBadLine.severity === vscode.DiagnosticSeverity.Error, `severity ${onBadLine.severity}, expected Error`);
        assert(diagnostics.every((d) => d.range.start.line === 3), `diagnostics on good lines: ${JSON.stringify(diagnostics.map((d) => d.message))}`);
      },
    },
    {
      name: 'hover on vmlaunch says that it exits',
      run: async () => {
        const document = await openHvasm('bits 64\nstart:\n        vmlaunch\n');
        const position = new vscode.Position(2, 10);
        const text = await eventually(async () => {
          const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, position);
          const joined = hoverText(hovers ?? []);
          return /vmlaunch/i.test(joined) ? joined : undefined;
        }, 'a hover on vmlaunch');
        assert(/exit/i.test(text), `hover does not mention exiting: ${text}`);
      },
    },
  ];
}
