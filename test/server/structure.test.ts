// Document symbols, workspace symbols and folding ranges over JSON-RPC.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DocumentSymbolRequest, FoldingRangeRequest, WorkspaceSymbolRequest, type DocumentSymbol, type SymbolInformation } from 'vscode-languageserver-protocol/node';
import { documentClient, LspTestClient, needsAssembler, positionOf } from './lspClient';

const uri = 'file:///structure/guest.hvasm';
const source = [
  '; Guest entry.',
  '; Runs in ring 0.',
  'section .text',
  'LIMIT equ 4',
  '%macro SAVE 0',
  '    push rax',
  '%endmacro',
  'main:',
  '    nop',
  '.loop:',
  '    jmp .loop',
  'helper:',
  '%if LIMIT > 2',
  '    nop',
  '%endif',
  '    ret',
  '',
].join('\n');

const client = documentClient(uri, source);

const lineOf = (needle: string): number => positionOf(source, needle).line;

test('document symbols nest local labels under their global label', needsAssembler, async () => {
  const symbols = (await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as DocumentSymbol[];
  const main = symbols.find((symbol) => symbol.name === 'main');
  assert.deepEqual(main?.children?.map((child) => child.name), ['.loop']);
  assert.equal(main?.range.end.line, lineOf('helper:') - 1);
  assert.ok(symbols.some((symbol) => symbol.name === 'LIMIT'));
  assert.ok(symbols.some((symbol) => symbol.name === 'helper'));
  assert.deepEqual(symbols.map((symbol) => symbol.name), ['LIMIT', 'SAVE', 'main', 'helper']);
});

test('workspace symbols search open documents', needsAssembler, async () => {
  const found = (await client.connection.sendRequest(WorkspaceSymbolRequest.type, { query: 'help' })) as SymbolInformation[];
  assert.deepEqual(found.map((symbol) => [symbol.name, symbol.location.uri]), [['helper', uri]]);
});

test('folding ranges: comment block, section, macro, label blocks and %if', needsAssembler, async () => {
  const ranges = (await client.connection.sendRequest(FoldingRangeRequest.type, { textDocument: { uri } })) ?? [];
  const pairs = ranges.map((range) => `${range.startLine}-${range.endLine}${range.kind ? `:${range.kind}` : ''}`);
  for (const expected of [
    `0-1:comment`,
    `${lineOf('section')}-${lineOf('    ret')}`,
    `${lineOf('%macro')}-${lineOf('%endmacro')}`,
    `${lineOf('main:')}-${lineOf('helper:') - 1}`,
    `${lineOf('%if')}-${lineOf('%endif')}`,
    `${lineOf('helper:')}-${lineOf('    ret')}`,
  ]) {
    assert.ok(pairs.includes(expected), `${expected} not in ${pairs.join(' ')}`);
  }
});

test('workspace symbols also find definitions in files on disk that are not open', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'hvasm-ws-'));
  writeFileSync(join(folder, 'lib.inc'), 'serial_write:\n    ret\n');
  const workspace = new LspTestClient();
  try {
    await workspace.initialize(pathToFileURL(folder).href);
    const found = (await workspace.connection.sendRequest(WorkspaceSymbolRequest.type, { query: 'serial' })) as SymbolInformation[];
    assert.deepEqual(found.map((symbol) => [symbol.name, symbol.location.uri, symbol.location.range.start.line]), [['serial_write', pathToFileURL(join(folder, 'lib.inc')).href, 0]]);
  } finally {
    workspace.dispose();
    rmSync(folder, { recursive: true, force: true });
  }
});
