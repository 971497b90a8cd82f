// An ELF64 executable built with nasm and ld: its symbol table gives function
// breakpoints and frame names. Skipped (visibly) when nasm or ld is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { after } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withClient } from './client';

function tool(name: string): boolean {
  return spawnSync(name, ['--version'], { encoding: 'utf8' }).status === 0 || spawnSync(name, ['-v'], { encoding: 'utf8' }).status === 0;
}

const skip = tool('nasm') && tool('ld') ? false : 'nasm and ld are needed to build the ELF test program';

function buildElf(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hyperscope-elf-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'prog.asm'),
    `bits 64
global _start
section .text
_start:
        mov     eax, 2
        call    triple
        out     0xf4, al
triple:
        lea     eax, [rax + rax * 2]
        ret
`,
  );
  const asm = spawnSync('nasm', ['-f', 'elf64', '-o', join(dir, 'prog.o'), join(dir, 'prog.asm')], { encoding: 'utf8' });
  assert.equal(asm.status, 0, asm.stderr);
  const link = spawnSync('ld', ['-nostdlib', '-static', '-Ttext=0x200000', '-o', join(dir, 'prog.elf'), join(dir, 'prog.o')], { encoding: 'utf8' });
  assert.equal(link.status, 0, link.stderr);
  return join(dir, 'prog.elf');
}

test('an ELF executable: symbols name frames and take function breakpoints', { skip }, async () => {
  const program = buildElf();
  await withClient(async (client) => {
    const stop = await client.launchAndWaitForStop({ program }, { functions: [{ name: 'triple' }] });
    assert.equal(stop.body.reason, 'function breakpoint');
    const frame = await client.topFrame();
    assert.equal(frame.name, 'triple');
    assert.equal(frame.source, undefined);
    assert.match(await client.evaluate('_start'), /<_start>$/);
    const exited = client.waitForEvent('exited');
    await client.continueRequest({ threadId: 1 });
    assert.equal((await exited).body.exitCode, 6);
  });
});

test('a malformed ELF fails the launch with the reader\'s message', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hyperscope-elf-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const program = join(dir, 'broken.elf');
  writeFileSync(program, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
  await withClient(async (client) => {
    await client.initializeRequest();
    await assert.rejects(client.launchRequest({ program } as never), /cannot load .*broken\.elf/);
  });
});
