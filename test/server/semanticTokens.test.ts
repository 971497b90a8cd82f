// Semantic tokens over JSON-RPC, decoded back to (line, column, text, type).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SemanticTokensRequest } from 'vscode-languageserver-protocol/node';
import { LspTestClient, needsAssembler } from './lspClient';

const uri = 'file:///tokens/guest.hvasm';
const source = ['LIMIT equ 4', 'main:', '    mov rax, 0x10', '    hlt', '    vmlaunch', '.loop:', '    jnz .loop', '    db "hi", LIMIT', '%macro SAVE 1', '    push %1', '%endmacro', '    SAVE rbx', ''].join('\n');

let client: LspTestClient;
let legend: string[];
before(async () => {
  client = new LspTestClient();
  const { capabilities } = await client.initialize();
  legend = capabilities.semanticTokensProvider?.legend.tokenTypes ?? [];
  await client.open(uri, source);
});
after(() => client.dispose());

async function decoded(): Promise<Map<string, string>> {
  const tokens = await client.connection.sendRequest(SemanticTokensRequest.type, { textDocument: { uri } });
  const lines = source.split('\n');
  const out = new Map<string, string>();
  let line = 0;
  let column = 0;
  const data = tokens?.data ?? [];
  for (let index = 0; index + 4 < data.length + 1; index += 5) {
    const [deltaLine = 0, deltaStart = 0, length = 0, type = 0] = data.slice(index, index + 4);
    line += deltaLine;
    column = deltaLine === 0 ? column + deltaStart : deltaStart;
    out.set(`${line}:${lines[line]?.slice(column, column + length)}`, legend[type] ?? '?');
  }
  return out;
}

test('registers, numbers and strings are tokens even before the parser knows the line', async () => {
  const tokens = await decoded();
  assert.equal(tokens.get('2:rax'), 'register');
  assert.equal(tokens.get('2:0x10'), 'number');
  assert.equal(tokens.get('7:"hi"'), 'string');
});

test('mnemonics by class, labels, local labels, directives and constants', needsAssembler, async () => {
  const tokens = await decoded();
  assert.equal(tokens.get('2:mov'), 'mnemonic');
  assert.equal(tokens.get('3:hlt'), 'privilegedMnemonic');
  assert.equal(tokens.get('4:vmlaunch'), 'vmxMnemonic');
  assert.equal(tokens.get('1:main'), 'label');
  assert.equal(tokens.get('5:.loop'), 'localLabel');
  assert.equal(tokens.get('6:.loop'), 'localLabel');
  assert.equal(tokens.get('7:db'), 'directive');
  assert.equal(tokens.get('7:LIMIT'), 'constant');
  assert.equal(tokens.get('8:SAVE'), 'macro');
  assert.equal(tokens.get('11:SAVE'), 'macro');
  assert.equal(tokens.get('11:rbx'), 'register');
});
