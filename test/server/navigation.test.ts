// Go to definition, find references and rename over JSON-RPC: global labels, local labels
// (written short and in full), equ constants and %defines, across an %include.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DefinitionRequest, PrepareRenameRequest, ReferencesRequest, RenameRequest, type Location, type TextEdit } from 'vscode-languageserver-protocol/node';
import { LspTestClient, needsAssembler, positionOf } from './lspClient';

const source = [
  '%include "consts.inc"',
  '%define PORT 0x3f8',
  'LIMIT equ 16',
  'main:',
  '    mov ecx, LIMIT',
  '.loop:',
  '    mov dx, PORT',
  '    dec ecx',
  '    jnz .loop',
  '    jmp main.loop',
  '    mov eax, SHARED',
  '    ret',
  '',
].join('\n');

let client: LspTestClient;
let folder: string;
let uri: string;
let incUri: string;
before(async () => {
  folder = mkdtempSync(join(tmpdir(), 'hvasm-nav-'));
  writeFileSync(join(folder, 'consts.inc'), 'SHARED equ 7\n');
  writeFileSync(join(folder, 'main.hvasm'), source);
  uri = pathToFileURL(join(folder, 'main.hvasm')).href;
  incUri = pathToFileURL(join(folder, 'consts.inc')).href;
  client = new LspTestClient();
  await client.initialize(pathToFileURL(folder).href);
  await client.open(uri, source);
});
after(() => {
  client.dispose();
  rmSync(folder, { recursive: true, force: true });
});

const at = (needle: string, offset = 1): { textDocument: { uri: string }; position: { line: number; character: number } } => ({ textDocument: { uri }, position: positionOf(source, needle, offset) });
const lineOf = (needle: string): number => positionOf(source, needle).line;

test('definition of a local label, an equ constant, a %define and a symbol in an included file', needsAssembler, async () => {
  const local = (await client.connection.sendRequest(DefinitionRequest.type, at('jnz .loop', 5))) as Location[];
  assert.deepEqual(local.map((location) => location.range.start.line), [lineOf('.loop:')]);
  const constant = (await client.connection.sendRequest(DefinitionRequest.type, at('ecx, LIMIT', 6))) as Location[];
  assert.deepEqual(constant.map((location) => location.range.start.line), [lineOf('LIMIT equ')]);
  const define = (await client.connection.sendRequest(DefinitionRequest.type, at('dx, PORT', 5))) as Location[];
  assert.deepEqual(define.map((location) => location.range.start.line), [lineOf('%define PORT')]);
  const shared = (await client.connection.sendRequest(DefinitionRequest.type, at('eax, SHARED', 6))) as Location[];
  assert.deepEqual(shared.map((location) => [location.uri, location.range.start.line]), [[incUri, 0]]);
});

test('references of a local label include the short and the full spelling', needsAssembler, async () => {
  const references = await client.connection.sendRequest(ReferencesRequest.type, { ...at('.loop:'), context: { includeDeclaration: true } });
  assert.deepEqual(references?.map((location) => location.range.start.line).sort((a, b) => a - b), [lineOf('.loop:'), lineOf('jnz .loop'), lineOf('jmp main.loop')]);
  const usesOnly = await client.connection.sendRequest(ReferencesRequest.type, { ...at('.loop:'), context: { includeDeclaration: false } });
  assert.equal(usesOnly?.length, 2);
});

test('rename a local label keeps the parent prefix where it was written in full', needsAssembler, async () => {
  const prepared = await client.connection.sendRequest(PrepareRenameRequest.type, at('jnz .loop', 5));
  assert.ok(prepared && 'placeholder' in prepared);
  assert.equal(prepared.placeholder, '.loop');
  const edit = await client.connection.sendRequest(RenameRequest.type, { ...at('jnz .loop', 5), newName: '.again' });
  const edits = (edit?.changes?.[uri] ?? []).map((change: TextEdit) => [change.range.start.line, change.newText]).sort();
  assert.deepEqual(edits, [[lineOf('.loop:'), '.again'], [lineOf('jmp main.loop'), 'main.again'], [lineOf('jnz .loop'), '.again']].sort());
});

test('rename an equ constant and a %define', needsAssembler, async () => {
  const limit = await client.connection.sendRequest(RenameRequest.type, { ...at('LIMIT equ'), newName: 'COUNT' });
  assert.deepEqual((limit?.changes?.[uri] ?? []).map((change: TextEdit) => change.range.start.line).sort((a: number, b: number) => a - b), [lineOf('LIMIT equ'), lineOf('ecx, LIMIT')]);
  const port = await client.connection.sendRequest(RenameRequest.type, { ...at('dx, PORT', 5), newName: 'SERIAL' });
  assert.ok((port?.changes?.[uri] ?? []).every((change: TextEdit) => change.newText === 'SERIAL'));
  assert.equal(port?.changes?.[uri]?.length, 2);
});

test('rename rejects an invalid name with a message', needsAssembler, async () => {
  await assert.rejects(client.connection.sendRequest(RenameRequest.type, { ...at('LIMIT equ'), newName: '9lives' }), /not a valid name/);
});

test('rename a global label also renames the prefix of its locals written in full', needsAssembler, async () => {
  const edit = await client.connection.sendRequest(RenameRequest.type, { ...at('main:'), newName: 'entry' });
  const edits = (edit?.changes?.[uri] ?? []).map((change: TextEdit) => [change.range.start.line, change.range.start.character, change.range.end.character, change.newText]);
  const full = positionOf(source, 'main.loop');
  assert.deepEqual(edits.sort(), [[lineOf('main:'), 0, 4, 'entry'], [full.line, full.character, full.character + 4, 'entry']].sort());
});

test('definition on an %include line opens the included file', needsAssembler, async () => {
  const locations = (await client.connection.sendRequest(DefinitionRequest.type, at('consts.inc', 2))) as Location[];
  assert.deepEqual(locations.map((location) => [location.uri, location.range.start.line]), [[incUri, 0]]);
});

test('definition and references of a multi-line macro', needsAssembler, async () => {
  const text = '%macro SAVE 1\n    push %1\n%endmacro\nmain:\n    SAVE rax\n    SAVE rbx\n';
  const macroUri = 'file:///navigation/macro.hvasm';
  await client.open(macroUri, text);
  const invocation = { textDocument: { uri: macroUri }, position: { line: 4, character: 5 } };
  const definition = (await client.connection.sendRequest(DefinitionRequest.type, invocation)) as Location[];
  assert.deepEqual(definition.map((location) => [location.range.start.line, location.range.start.character]), [[0, 7]]);
  const references = await client.connection.sendRequest(ReferencesRequest.type, { ...invocation, context: { includeDeclaration: false } });
  assert.deepEqual(references?.map((location) => location.range.start.line), [4, 5]);
});
