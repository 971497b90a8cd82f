import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleSource } from '../../src/asm/index';

// o16/o32/o64 pick the operand size of instructions whose operands do not show it
// (bytes as `nasm -f bin` 2.16 produces them).
const cases: [string, string][] = [
  ['o64 sysret', '480f07'],
  ['o32 sysret', '0f07'],
  ['sysret', '0f07'],
  ['o64 iret', '48cf'],
  ['iret', 'cf'],
  ['o16 pushf', '669c'],
  ['o16 popf', '669d'],
  ['pushf', '9c'],
  ['o64 sysexit', '480f35'],
];

for (const [source, hex] of cases) {
  test(`bits 64: ${source} assembles to ${hex}`, () => {
    const result = assembleSource(`bits 64\n${source}\n`, 'prefix.asm');
    assert.deepEqual(result.diagnostics, []);
    assert.equal(Buffer.from(result.bytes).toString('hex'), hex);
  });
}
