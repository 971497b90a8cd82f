// The machine's data-watchpoint seam: accesses to watched physical bytes stop the machine
// after the instruction with exact size, kind, old and new value; unwatched accesses on
// the same page, instruction fetches and other pages do not; removing the watches
// restores normal TLB use; reverse search sees watchpoint stops during its scan only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../src/machine/machine';
import { Watchpoints } from '../../src/machine/debug/watchpoints';
import { hasNasm, nasm } from './cpuRunner';

const skip = hasNasm() ? false : 'nasm not installed: the watchpoint programs are built with nasm';

// data at 0x300000: reads and writes of different sizes, a page-crossing qword and a rep movsb into the watched page
const PROGRAM = `
        mov     rdi, 0x300000
        mov     eax, [rdi + 4]          ; unwatched bytes of the watched page
        mov     byte [rdi + 9], 7       ; watched write (1 byte)
        mov     rax, [rdi + 8]          ; watched read (8 bytes, two 4-byte pieces)
        mov     word [rdi + 8], 0x1234  ; watched write of 2 bytes
        lea     rsi, [rdi + 0x100]
        lea     rdi, [rdi + 6]
        mov     ecx, 4
        rep movsb                       ; bytes 6..9: the last two are watched
        hlt
`;

function boot(): { machine: Machine; watch: Watchpoints } {
  const machine = new Machine({ memoryMB: 16 });
  machine.loadBare(nasm(PROGRAM));
  machine.mem.poke(0x300000 + 8, Uint8Array.from([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]));
  machine.mem.poke(0x300100, Uint8Array.from([0xa1, 0xa2, 0xa3, 0xa4]));
  const watch = new Watchpoints(machine.mem, machine.cpu);
  return { machine, watch };
}

test('watchpoint seam: exact accesses stop after the instruction; other bytes of the page do not', { skip }, () => {
  const { machine, watch } = boot();
  watch.set([{ id: 1, physical: 0x300008, size: 2, read: true, write: true }]);
  const stops: { kind: string; size: number; physical: number; before?: number; value: number }[] = [];
  for (let i = 0; i < 10; i++) {
    const stop = machine.run(1000);
    if (stop.reason !== 'watchpoint') {
      assert.equal(stop.reason, 'halt');
      break;
    }
    for (const hit of watch.take()) stops.push({ kind: hit.access, size: hit.size, physical: hit.physical, ...(hit.before !== undefined ? { before: hit.before } : {}), value: hit.value });
  }
  assert.deepEqual(stops, [
    { kind: 'write', size: 1, physical: 0x300009, before: 0x22, value: 7 },
    { kind: 'read', size: 4, physical: 0x300008, value: 0x44330711 },
    { kind: 'write', size: 2, physical: 0x300008, before: 0x0711, value: 0x1234 },
    { kind: 'write', size: 1, physical: 0x300008, before: 0x34, value: 0xa3 },
    { kind: 'write', size: 1, physical: 0x300009, before: 0x12, value: 0xa4 },
  ]);
  assert.deepEqual([...machine.mem.peek(0x300006, 4)], [0xa1, 0xa2, 0xa3, 0xa4]);
  assert.equal(machine.loop.lastInstructionRip > 0x100000, true);
});

test('watchpoint seam: write-only watches ignore reads; no watches, no aliasing; muted watches record nothing', { skip }, () => {
  const writes = boot();
  writes.watch.set([{ id: 2, physical: 0x300008, size: 8, read: false, write: true }]);
  let stops = 0;
  while (writes.machine.run(1000).reason === 'watchpoint') stops += writes.watch.take().length > 0 ? 1 : 0;
  assert.equal(stops, 3, 'the byte write, the word write and the rep movsb');

  const none = boot();
  none.watch.set([{ id: 3, physical: 0x300008, size: 8, read: true, write: true }]);
  none.watch.set([]);
  assert.equal(none.machine.mem.watch, undefined);
  assert.equal(none.machine.run(1000).reason, 'halt');

  const muted = boot();
  const quiet = new Watchpoints(muted.machine.mem, muted.machine.cpu, () => true);
  quiet.set([{ id: 4, physical: 0x300008, size: 8, read: true, write: true }]);
  assert.equal(muted.machine.run(1000).reason, 'halt');
  assert.deepEqual(quiet.take(), []);
  assert.deepEqual([...muted.machine.mem.peek(0x300008, 2)], [0xa3, 0xa4], 'muted watches still perform the accesses');
});
