// The server starts and answers `initialize`, both in process and as `hyperscope lsp --stdio`
// would run it (a child process speaking LSP on stdin/stdout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createProtocolConnection, ExitNotification, InitializeRequest, ShutdownRequest, StreamMessageReader, StreamMessageWriter, TextDocumentSyncKind } from 'vscode-languageserver-protocol/node';
import { LspTestClient } from './lspClient';

test('initialize announces incremental sync and every feature', async () => {
  const client = new LspTestClient();
  try {
    const { capabilities } = await client.initialize();
    assert.deepEqual(capabilities.textDocumentSync, { openClose: true, change: TextDocumentSyncKind.Incremental });
    for (const feature of ['hoverProvider', 'definitionProvider', 'referencesProvider', 'documentSymbolProvider', 'workspaceSymbolProvider', 'foldingRangeProvider', 'documentFormattingProvider'] as const) {
      assert.ok(capabilities[feature], feature);
    }
    assert.deepEqual(capabilities.renameProvider, { prepareProvider: true });
    assert.deepEqual(capabilities.semanticTokensProvider?.legend.tokenTypes, ['label', 'localLabel', 'mnemonic', 'privilegedMnemonic', 'vmxMnemonic', 'register', 'number', 'string', 'directive', 'macro', 'constant']);
  } finally {
    client.dispose();
  }
});

const entries: [string, string[]][] = [
  ['the server entry (dist/server.js)', [join(__dirname, '../../src/server/main.ts'), '--stdio']],
  ['hyperscope lsp --stdio', [join(__dirname, '../../src/cli/main.ts'), 'lsp', '--stdio']],
];

for (const [name, args] of entries) {
  test(`${name} speaks LSP over stdio and exits after shutdown`, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    connection.listen();
    try {
      const result = await connection.sendRequest(InitializeRequest.type, { processId: null, rootUri: null, capabilities: {} });
      assert.equal(result.serverInfo?.name, 'hyperscope-hvasm');
      await connection.sendRequest(ShutdownRequest.type);
      await connection.sendNotification(ExitNotification.type);
      assert.equal(await exited, 0);
    } finally {
      connection.dispose();
      child.kill();
    }
  });
}
