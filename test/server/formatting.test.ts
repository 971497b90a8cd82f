// Document formatting over JSON-RPC: labels at column 0, mnemonics indented and padded so
// operands line up, section directives at column 0, trailing comments aligned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DocumentFormattingRequest, type TextEdit } from 'vscode-languageserver-protocol/node';
import { documentClient, needsAssembler } from './lspClient';

const uri = 'file:///formatting/guest.hvasm';
const source = ['  section .text', 'main:   mov rax,1 ; one', '  vmlaunch', '.loop:', '\tjnz    .loop   ; again', '  db 1, 2', ''].join('\n');

const client = documentClient(uri, source);

function apply(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  for (const edit of edits) {
    assert.equal(edit.range.start.line, edit.range.end.line, 'edits replace whole single lines');
    lines[edit.range.start.line] = edit.newText;
  }
  return lines.join('\n');
}

test('aligns mnemonic and operand columns and trailing comments', needsAssembler, async () => {
  const edits = await client.connection.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 4, insertSpaces: true } });
  const formatted = apply(source, edits ?? []);
  assert.equal(
    formatted,
    ['section .text', 'main: mov      rax, 1 ; one', '    vmlaunch', '.loop:', '    jnz      .loop    ; again', '    db       1, 2', ''].join('\n'),
  );
});

test('formatting a formatted document changes nothing', needsAssembler, async () => {
  const edits = await client.connection.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri }, options: { tabSize: 4, insertSpaces: true } });
  const formatted = apply(source, edits ?? []);
  const again = 'file:///formatting/again.hvasm';
  await client.open(again, formatted);
  assert.deepEqual(await client.connection.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri: again }, options: { tabSize: 4, insertSpaces: true } }), []);
});
