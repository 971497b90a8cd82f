// Diagnostics over JSON-RPC: published on open and after incremental edits, with the
// assembler's range and message; errors inside %include'd files land on the include line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol/node';
import { LspTestClient, needsAssembler, positionOf } from './lspClient';

let client: LspTestClient;
let folder: string;
before(async () => {
  folder = mkdtempSync(join(tmpdir(), 'hvasm-lsp-'));
  client = new LspTestClient();
  await client.initialize(pathToFileURL(folder).href);
});
after(() => {
  client.dispose();
  rmSync(folder, { recursive: true, force: true });
});

test('an undefined label is reported on open with its range, and cleared by an edit', needsAssembler, async () => {
  const uri = 'file:///diagnostics/undefined.hvasm';
  const source = 'main:\n    jmp .done\n    ret\n';
  const opened = await client.open(uri, source);
  assert.equal(opened.diagnostics.length, 1, JSON.stringify(opened.diagnostics));
  const [diagnostic] = opened.diagnostics;
  assert.equal(diagnostic?.severity, DiagnosticSeverity.Error);
  assert.match(diagnostic?.message ?? '', /undefined.*\.done/);
  const start = positionOf(source, '.done');
  assert.deepEqual(diagnostic?.range, { start, end: { line: start.line, character: start.character + 5 } });
  const insertAt = positionOf(source, '    ret');
  const fixed = await client.change(uri, [{ range: { start: insertAt, end: insertAt }, text: '.done:\n' }]);
  assert.deepEqual(fixed.diagnostics, []);
});

test('diagnostics follow the edits as the user types', needsAssembler, async () => {
  const uri = 'file:///diagnostics/typing.hvasm';
  assert.deepEqual((await client.open(uri, 'main:\n    nop\n')).diagnostics, []);
  const broken = await client.change(uri, [{ range: { start: { line: 1, character: 4 }, end: { line: 1, character: 7 } }, text: 'frobnicate rax' }]);
  assert.equal(broken.diagnostics.length, 1);
  assert.equal(broken.diagnostics[0]?.range.start.line, 1);
  assert.match(broken.diagnostics[0]?.message ?? '', /frobnicate/);
});

test('an error inside an included file is reported on the %include line', needsAssembler, async () => {
  writeFileSync(join(folder, 'bad.inc'), 'helper:\n    mov qword [rax], bl\n');
  const source = 'main:\n%include "bad.inc"\n    call helper\n';
  const mainPath = join(folder, 'main.hvasm');
  writeFileSync(mainPath, source);
  const published = await client.open(pathToFileURL(mainPath).href, source);
  assert.equal(published.diagnostics.length, 1, JSON.stringify(published.diagnostics));
  const [diagnostic] = published.diagnostics;
  assert.equal(diagnostic?.range.start.line, 1);
  assert.match(diagnostic?.message ?? '', /in included file bad\.inc:2:\d+: /);
  assert.equal(diagnostic?.relatedInformation?.[0]?.location.uri, pathToFileURL(join(folder, 'bad.inc')).href);
  assert.equal(diagnostic?.relatedInformation?.[0]?.location.range.start.line, 1);
});

test('a missing include is an error on its line', needsAssembler, async () => {
  const mainPath = join(folder, 'missing.hvasm');
  const source = 'main:\n%include "nowhere.inc"\n    ret\n';
  const published = await client.open(pathToFileURL(mainPath).href, source);
  assert.equal(published.diagnostics.length, 1, JSON.stringify(published.diagnostics));
  assert.equal(published.diagnostics[0]?.range.start.line, 1);
  assert.match(published.diagnostics[0]?.message ?? '', /nowhere\.inc/);
});

test('editing an included file that is open re-checks the document that includes it', needsAssembler, async () => {
  const incPath = join(folder, 'shared.inc');
  const mainPath = join(folder, 'user.hvasm');
  writeFileSync(incPath, 'helper:\n    ret\n');
  const mainSource = '%include "shared.inc"\n    call helper\n';
  writeFileSync(mainPath, mainSource);
  const mainUri = pathToFileURL(mainPath).href;
  const incUri = pathToFileURL(incPath).href;
  assert.deepEqual((await client.open(mainUri, mainSource)).diagnostics, []);
  const reopened = client.nextDiagnostics(mainUri, 1);
  await client.open(incUri, 'helper:\n    ret\n');
  assert.deepEqual((await reopened).diagnostics, []);
  const recheck = client.nextDiagnostics(mainUri, 1);
  await client.change(incUri, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 6 } }, text: 'renamed' }]);
  const rechecked = await recheck;
  assert.equal(rechecked.diagnostics.length, 1, JSON.stringify(rechecked.diagnostics));
  assert.match(rechecked.diagnostics[0]?.message ?? '', /helper/);
});

test('changes typed in quick succession are debounced into one check of the last version', async () => {
  const typing = new LspTestClient();
  try {
    await typing.initialize(null, 150);
    const uri = 'file:///diagnostics/debounce.hvasm';
    await typing.open(uri, 'main:\n');
    const start = performance.now();
    const last = typing.nextDiagnostics(uri, 4);
    for (const [index, letter] of ['n', 'o', 'p'].entries()) {
      void typing.change(uri, [{ range: { start: { line: 1, character: index }, end: { line: 1, character: index } }, text: letter }]).catch(() => undefined);
    }
    await last;
    assert.ok(performance.now() - start >= 140, 'published before the 150 ms pause');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(typing.published.filter((params) => params.uri === uri).map((params) => params.version), [1, 4]);
  } finally {
    typing.dispose();
  }
});
