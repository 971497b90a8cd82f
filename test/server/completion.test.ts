// Completion over JSON-RPC: mnemonics with operand snippets and directives at the start of a
// statement; registers, labels in scope (local labels under their parent) in operands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompletionRequest, InsertTextFormat, type CompletionItem } from 'vscode-languageserver-protocol/node';
import { documentClient, needsAssembler, positionOf } from './lspClient';

const uri = 'file:///completion/guest.hvasm';
const source = ['main:', '.loop:', '    vm', '    mov rax, ', 'other:', '.skip:', '    jmp ', '%de', ''].join('\n');

const client = documentClient(uri, source);

async function complete(needle: string, offset: number): Promise<CompletionItem[]> {
  const result = await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: positionOf(source, needle, offset) });
  assert.ok(Array.isArray(result));
  return result;
}

test('at the start of a statement: VMX mnemonics with operand snippets, and directives', async () => {
  const items = await complete('    vm', 6);
  const vmlaunch = items.find((item) => item.label === 'vmlaunch');
  assert.ok(vmlaunch);
  assert.match(String(vmlaunch.documentation), /always causes a VM exit/);
  const vmread = items.find((item) => item.label === 'vmread');
  assert.equal(vmread?.insertTextFormat, InsertTextFormat.Snippet);
  assert.equal(vmread?.textEdit && 'newText' in vmread.textEdit ? vmread.textEdit.newText : undefined, 'vmread ${1:r/m64}, ${2:r64}');
  assert.ok(items.some((item) => item.label === 'times'));
  assert.ok(!items.some((item) => item.label === 'rax'));
});

test('after % only preprocessor directives are offered', async () => {
  const labels = (await complete('%de', 3)).map((item) => item.label);
  assert.ok(labels.includes('%define'));
  assert.ok(!labels.includes('mov'));
});

test('in an operand: registers of every class', async () => {
  const labels = new Set((await complete('mov rax, ', 9)).map((item) => item.label));
  for (const register of ['rax', 'r8d', 'ah', 'cr3', 'dr7', 'gs']) assert.ok(labels.has(register), register);
  assert.ok(!labels.has('vmlaunch'));
});

test('labels in scope: globals everywhere, local labels only under their parent', needsAssembler, async () => {
  const labels = new Set((await complete('    jmp ', 8)).map((item) => item.label));
  assert.ok(labels.has('main'));
  assert.ok(labels.has('other'));
  assert.ok(labels.has('.skip'));
  assert.ok(!labels.has('.loop'));
});

test('with hyperscope/vmx.inc included, VMCS field and exit-reason constants are offered', async () => {
  const text = '%include "hyperscope/vmx.inc"\nmain:\n    mov rbx, \n';
  const vmxUri = 'file:///completion/vmx.hvasm';
  await client.open(vmxUri, text);
  const items = await client.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: vmxUri }, position: { line: 2, character: 13 } });
  assert.ok(Array.isArray(items));
  const field = items.find((item) => item.label === 'VMCS_GUEST_RIP');
  assert.match(field?.detail ?? '', /^0x681E guest RIP/);
  assert.ok(items.some((item) => item.label === 'EXIT_REASON_VMCALL'));
  assert.ok(items.some((item) => item.label === 'main'));
});
