// The virtio devices wired into the machine: bare mode (host-physical MMIO, DMA through the
// IOMMU with translation off, interrupts to the local APIC), guest mode (the balloon
// driver's inflate → EPT unmapped; interrupts queued for the guest) and reverse execution
// replaying device state, the block overlay included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { hasNasm, nasm } from '../machine/cpuRunner';
import { APIC_ENABLE, eoiIretq, idtData, installIdt } from '../support/guestPreludes';
import { Machine } from '../../src/machine/machine';
import { MemoryBlockImage, OverlayBlockBackend } from '../../src/machine/devices/virtio/blockBackend';
import { Status } from '../../src/machine/devices/virtio/constants';

const skip = !hasNasm() && 'nasm is not installed';
const include = `%include "${resolve('samples/virtio.inc')}"`;

/** Device 0 of `type` (virtio device ID) set up by samples/virtio.inc: queue `queue` at `ring`, DRIVER_OK; RBX = its register page, CF → fail. */
function virtioUp(type: number, queue: number, ring: string): string {
  return `
  mov rbx, VIRTIO_MMIO
  mov eax, ${type}
  call virtio_init
  jc fail
  ${queue === 0 ? 'xor ecx, ecx' : `mov ecx, ${queue}`}
  mov rdi, ${ring}
  call virtio_queue
  jc fail
  call virtio_ready`;
}

/** A guest/bare program: console transmit of `text` through device 0, then exit 0. */
function consoleProgram(text: string): string {
  return `${virtioUp(3, 1, 'TXQ')}
  mov rsi, message
  mov ecx, ${text.length}
  call console_write
  jc fail
  mov al, 0
  out 0xf4, al
fail:
  mov al, 1
  out 0xf4, al
message: db '${text}'
TXQ equ 0x200000
${include}`;
}

test('bare mode: the register page is host-physical MMIO, DMA is physical (IOMMU off), the interrupt reaches the local APIC', { skip }, () => {
  const machine = new Machine({ memoryMB: 64, devices: { console: true } });
  machine.loadBare(nasm(consoleProgram('bare metal')));
  const stop = machine.run(1_000_000);
  assert.equal(stop.reason, 'exit', stop.detail);
  assert.equal(stop.exitCode, 0);
  assert.equal(machine.consoleText, 'bare metal');
  assert.equal(machine.mem.mmioRegionAt(0xd0000000)?.handler.name, 'virtio-mmio console');
  assert.ok(machine.apic.irr[0x30 >>> 5]! & (1 << (0x30 & 31)), 'vector 0x30 pending in the IRR');
  assert.equal(machine.vmx.exits.length, 0, 'no VMX involved');
});

test('guest mode: a used-buffer interrupt is queued for the guest as vector 0x30 + i', { skip }, () => {
  const machine = new Machine({ memoryMB: 64, devices: { console: true } });
  const hypervisor = machine.loadGuest(nasm(consoleProgram('to the guest')));
  const stop = machine.run(1_000_000);
  assert.equal(stop.exitCode, 0, stop.detail);
  assert.equal(machine.consoleText, 'to the guest');
  const irr = hypervisor.interrupts.apic.irr;
  assert.ok(irr[0x30 >>> 5]! & (1 << (0x30 & 31)), 'vector 0x30 pending for the guest (RFLAGS.IF = 0 here)');
  assert.deepEqual(machine.virtio!.sourceIds, [0x08]);
});

test('guest mode: the used-buffer interrupt is injected into the guest (IDT vector 0x30); the handler reads and ACKs InterruptStatus, EOIs the virtual x2APIC', { skip }, () => {
  const machine = new Machine({ memoryMB: 64, devices: { console: true } });
  machine.loadGuest(nasm(`
${installIdt({ 0x30: 'handler' })}
${APIC_ENABLE}${virtioUp(3, 1, 'TXQ')}
  sti
  mov rsi, message
  mov ecx, 2
  call console_write
  jc fail
  mov al, [rel seen]
  out 0xf4, al                   ; exit code = InterruptStatus the handler saw
fail:
  mov al, 0xee
  out 0xf4, al
handler:
${eoiIretq(`  mov eax, [rbx + 0x60]          ; InterruptStatus
  mov [rel seen], al
  mov [rbx + 0x64], eax          ; InterruptACK`)}
message: db 'ok'
seen: db 0
${idtData({}, { entries: 256 })}
TXQ equ 0x200000
${include}`));
  const stop = machine.run(1_000_000);
  assert.equal(stop.reason, 'exit', stop.detail);
  assert.equal(stop.exitCode, 1, 'the handler saw the used-buffer bit');
  assert.equal(machine.consoleText, 'ok');
  const transport = machine.virtio!.slots[0]!.transport;
  assert.equal(transport.interruptStatus, 0, 'acknowledged');
  assert.equal(transport.stats.interrupts, 1);
});

test('guest mode: the balloon driver inflates a page → EPT unmapped; touching it is an EPT violation naming the ballooned GPA', { skip }, () => {
  const machine = new Machine({ memoryMB: 64, devices: { balloon: { targetPages: 1 } } });
  const hypervisor = machine.loadGuest(nasm(`${virtioUp(5, 0, 'INFLATEQ')}
  mov r12d, [rbx + VIRTIO_CONFIG]          ; num_pages = 1
  mov dword [PFNS], 0x400                  ; give back guest-physical 0x400000
  mov qword [INFLATEQ], PFNS
  mov dword [INFLATEQ + 8], 4
  mov word [INFLATEQ + 12], 0
  xor ecx, ecx
  mov rdi, INFLATEQ
  xor eax, eax
  call virtio_submit
  jc fail
  mov dword [rbx + VIRTIO_CONFIG + 4], 1   ; actual = 1
  mov rax, [0x400010]                      ; touch the ballooned page
fail:
  mov al, 1
  out 0xf4, al
INFLATEQ equ 0x200000
PFNS equ 0x201000
TXQ equ 0x202000
${include}`));
  const stop = machine.run(1_000_000);
  assert.equal(stop.reason, 'vm-exit', stop.detail);
  assert.match(stop.detail, /EPT violation: read of ballooned page at guest-physical 0x400010/);
  assert.equal(machine.cpu.getGpr(12), 1n);
  const balloon = machine.virtio!.balloon!;
  assert.deepEqual(balloon.balloonedPages, [0x400]);
  assert.equal(balloon.describe().actual, 1);
  assert.equal(hypervisor.balloon.isBallooned(0x400000), true);
  assert.equal(hypervisor.balloon.isBallooned(0x401000), false, 'only that 4 KiB page');
  const dma = machine.virtio!.slots[0]!.transport.dma;
  assert.match(JSON.stringify(dma.read(0x3ffff0, 0x20)), /"dmaFault":true,"address":4194304,.*VT-d fault reason 0x6/, 'device DMA cannot reach it either: the IOMMU unmapped it');
  assert.equal(machine.virtio!.balloon!.host.deflate(0x400), undefined);
  assert.ok(dma.read(0x3ffff0, 0x20) instanceof Uint8Array, 'deflate maps it back for the devices too');
  assert.equal(hypervisor.balloon.isBallooned(0x400000), false);
  assert.ok(dma.read(0x401000, 16) instanceof Uint8Array);
});

test('reverse execution: device state and the block overlay rewind and replay identically', { skip }, () => {
  const image = new Uint8Array(16 * 512);
  image.set(new TextEncoder().encode('sector 0 of the sample disk\n'));
  const machine = new Machine({ memoryMB: 64, devices: { console: true, block: new OverlayBlockBackend(new MemoryBlockImage(image)) } });
  machine.loadGuest(nasm(readBlockSample()));
  const travel = machine.enableReverseExecution(50);
  const stop = machine.run(1_000_000);
  assert.equal(stop.exitCode, 0, stop.detail);
  const end = machine.cpu.instret;
  const finalConsole = machine.consoleText;
  const block = machine.virtio!.block!;
  assert.equal(block.describe().overlaySectors, 1);
  const served = machine.virtio!.slots[1]!.transport.queues[0]!.served;
  travel.goTo(5);
  assert.equal(machine.virtio!.slots[1]!.transport.queues[0]!.served, 0, `the queue rewound (from ${served})`);
  assert.equal(machine.virtio!.slots[1]!.transport.status & Status.DRIVER_OK, 0, 'before DRIVER_OK');
  assert.equal(block.describe().overlaySectors, 0, 'the overlay rewound');
  const again = machine.run(1_000_000);
  assert.equal(again.exitCode, 0, again.detail);
  assert.equal(machine.cpu.instret, end);
  assert.equal(machine.consoleText, finalConsole);
  assert.equal(block.describe().overlaySectors, 1);
  assert.deepEqual(image.subarray(512, 520), new Uint8Array(8), 'the image itself never changed');
});

/** The block sample, with its %include made absolute for nasm (the test helper adds bits/org). */
function readBlockSample(): string {
  return readFileSync('samples/virtio-block.hvasm', 'utf8').replace('%include "virtio.inc"', include).replace(/^bits 64\norg 0x100000\n/m, '');
}
