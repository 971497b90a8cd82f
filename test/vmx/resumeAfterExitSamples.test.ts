/**
 * Every guest-mode sample, run twice in lockstep: with the built-in hypervisor's VMRESUME
 * performed straight after each exit (vmxUnit.ts `resumeAfterExit`) and with its host stub
 * run after every exit. Interrupt injection, the preemption timer, MMIO emulation, virtio
 * DMA through the IOMMU, ballooning and Xen hypercalls all go through both paths; the two
 * machines must agree after every slice (lockstep.ts, 1–60 instructions) and end the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { Machine } from '../../src/machine/machine';
import type { GuestModeOptions } from '../../src/machine/hypervisor/guestSetup';
import { loadProgram } from '../../src/cli/loadProgram';
import { openDevices } from '../../src/adapter/diskImage';
import type { DeviceChoices } from '../../src/adapter/diskImage';
import { runLockstep } from './lockstep';

interface Sample {
  readonly file: string;
  readonly guest?: GuestModeOptions;
  readonly devices?: Partial<DeviceChoices>;
}

const SAMPLES: readonly Sample[] = [
  { file: 'guest-cpuid.hvasm' },
  { file: 'guest-port-io.hvasm' },
  { file: 'guest-hlt.hvasm' },
  { file: 'guest-vmcall.hvasm' },
  { file: 'guest-ept-violation.hvasm' },
  { file: 'guest-apic-timer.hvasm' },
  { file: 'xen-console.hvasm', guest: { paravirt: 'xen' } },
  { file: 'xen-multicall.hvasm', guest: { paravirt: 'xen' } },
  { file: 'virtio-console.hvasm', devices: { console: true } },
  { file: 'virtio-balloon.hvasm', devices: { balloon: { targetPages: 16 } } },
  { file: 'virtio-block.hvasm', devices: { console: true, disk: resolve('samples/disk.img') } },
];

function boot(sample: Sample, resumeAtOnce: boolean): Machine {
  const program = loadProgram(`samples/${sample.file}`);
  const devices = sample.devices && openDevices({ console: false, disk: undefined, diskWritable: false, diskReadOnly: false, balloon: false, ...sample.devices });
  const machine = new Machine({ memoryMB: 128, devices });
  machine.loadGuest(program.bytes, sample.guest ?? {});
  machine.vmx.hostResumesAfterExit = resumeAtOnce;
  return machine;
}

for (const sample of SAMPLES) {
  test(`samples/${sample.file}: a VMRESUME straight after each exit runs as the host stub does`, () => {
    const fast = boot(sample, true);
    const stub = boot(sample, false);
    const stop = runLockstep(fast, stub, 60);
    assert.notEqual(stop.reason, 'budget', `the sample ends (${fast.cpu.instret} instructions)`);
    if (fast.vmx.exits.length >= 3) assert.ok(fast.vmx.resumedAfterExit > 0, `${fast.vmx.resumedAfterExit} of ${fast.vmx.exits.length} exits resumed at once`);
  });
}
