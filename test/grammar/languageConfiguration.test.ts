// The language configuration's word pattern must select whole assembly names
// (local labels, $ and $$, %define'd names, nasm numbers) for double-click and rename.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const configPath = join(__dirname, '../../syntaxes/language-configuration.json');
const config = JSON.parse(readFileSync(configPath, 'utf8')) as { wordPattern: string; comments: { lineComment: string } };
const word = new RegExp(`^(?:${config.wordPattern})$`);

test('line comments start with a semicolon', () => {
  assert.equal(config.comments.lineComment, ';');
});

for (const name of ['.loop', 'start', '$', '$$', '%1', 'STACK_TOP', '..@here', '%%skip', 'msg.len', '0x1f', '1fh', 'r8d']) {
  test(`word pattern takes "${name}" as one word`, () => {
    assert.match(name, word);
  });
}

for (const text of ['a b', '[rax]', 'rax,']) {
  test(`word pattern does not take "${text}" as one word`, () => {
    assert.doesNotMatch(text, word);
  });
}
