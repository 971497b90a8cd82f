/**
 * Two machines run in lockstep (the VMRESUME straight after each exit against the host stub,
 * resumeAfterExit*.test.ts): random slice sizes, the same stop and the same whole-machine
 * state after every slice — CPU, VMX (every VMCS field), APIC, devices, the exit log, the
 * console — and the same guest RAM at the end.
 */
import assert from 'node:assert/strict';
import type { Machine } from '../../src/machine/machine';
import type { StopReason } from '../../src/machine/stopReason';
import { HostLayout } from '../../src/machine/hypervisor/layout';
import { mulberry32 } from '../support/random';

/** Everything a snapshot holds (MSRs by index: the order they were first written in is no state), the exit log and the console. */
function stateOf(machine: Machine): unknown {
  const byIndex = (state: unknown): unknown => {
    if (typeof state !== 'object' || state === null || !('msrs' in state) || !Array.isArray(state.msrs)) return state;
    return { ...state, msrs: [...(state.msrs as [number, bigint][])].sort((a, b) => a[0] - b[0]) };
  };
  return {
    states: machine.snapshotables.map((s) => byIndex(s.saveState())),
    exits: machine.vmx.exits.map((e) => [e.reason, e.guestRip, e.qualification, e.instret, e.instructionLength]),
    console: machine.consoleText,
  };
}

/** Runs both until a stop other than the budget, or `limit` instructions; returns the stop. `maxSlice`: the largest slice. */
export function runLockstep(fast: Machine, stub: Machine, maxSlice: number, limit = 1_000_000, seed = 12345): StopReason {
  const random = mulberry32(seed);
  let stop = fast.run(0);
  for (let slice = 0; fast.cpu.instret < limit; slice++) {
    const budget = 1 + Math.floor(random() * maxSlice);
    stop = fast.run(budget);
    assert.deepEqual(stop, stub.run(budget), `stop after slice ${slice}`);
    assert.deepEqual(stateOf(fast), stateOf(stub), `state after slice ${slice} (instret ${fast.cpu.instret})`);
    if (stop.reason !== 'budget') break;
  }
  const ram = (m: Machine): Uint8Array => m.mem.peek(HostLayout.guestRamBase, 0x800000);
  assert.deepEqual(ram(fast), ram(stub), 'guest RAM');
  assert.equal(stub.vmx.resumedAfterExit, 0, 'the reference ran its host stub after every exit');
  return stop;
}
