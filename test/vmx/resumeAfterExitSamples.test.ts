/**
 * Every guest-mode sample, run twice in lockstep: with the built-in hypervisor's VMRESUME
 * performed straight after each exit (vmxUnit.ts `resumeAfterExit`) and with its host stub
 * run after every exit. Interrupt injection, the preemption timer, MMIO emulation, virtio
 * DMA through the IOMMU, ballooning and Xen hypercalls all go through both paths; the two
 * machines must agree after every slice (random sizes, 1–60 instructions) and end the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { Machine } from '../../src/machine/machine';
import type { GuestModeOptions } from '../../src/machine/hypervisor/guestSetup';
import { HostLayout } from '../../src/machine/hypervisor/layout';
import { loadProgram } from '../../src/cli/loadProgram';
import { openDevices } from '../../src/adapter/diskImage';
import type { DeviceChoices } from '../../src/adapter/diskImage';

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

/** Everything a snapshot holds (MSRs by index), the exit log and the console. */
function stateOf(machine: Machine): unknown {
  const byIndex = (state: unknown): unknown => {
    if (typeof state !== 'object' || state === null || !('msrs' in state) || !Array.isArray(state.msrs)) return state;
    return { ...state, msrs: [...(state.msrs as [number, bigint][])].sort((a, b) => a[0] - b[0]) };
  };
  return {
    states: machine.snapshotables.map((s) => byIndex(s.saveState())),
    exits: machine.vmx.exits.map((e) => [e.reason, e.guestRip, e.qualification, e.instret]),
    console: machine.consoleText,
  };
}

for (const sample of SAMPLES) {
  test(`samples/${sample.file}: a VMRESUME straight after each exit runs as the host stub does`, () => {
    const fast = boot(sample, true);
    const stub = boot(sample, false);
    let seed = 0x9e3779b9;
    let stop = fast.run(0);
    let slices = 0;
    while (fast.cpu.instret < 1_000_000) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const budget = 1 + (seed >>> 8) % 60;
      stop = fast.run(budget);
      const reference = stub.run(budget);
      assert.deepEqual(stop, reference, `stop after slice ${slices}`);
      assert.deepEqual(stateOf(fast), stateOf(stub), `state after slice ${slices} (instret ${fast.cpu.instret})`);
      slices++;
      if (stop.reason !== 'budget') break;
    }
    assert.notEqual(stop.reason, 'budget', `the sample ends (${fast.cpu.instret} instructions)`);
    const ram = (m: Machine): Uint8Array => m.mem.peek(HostLayout.guestRamBase, 0x800000);
    assert.deepEqual(ram(fast), ram(stub), 'guest RAM');
    if (fast.vmx.exits.length >= 3) assert.ok(fast.vmx.resumedAfterExit > 0, `${fast.vmx.resumedAfterExit} of ${fast.vmx.exits.length} exits resumed at once`);
  });
}
