/**
 * The guest's two-dimensional page walk for the debugger and the visualizer, without
 * side effects: guest paging registers from the current VMCS (or the CPU while the
 * guest runs) and its EPT, every access recorded (up to 24 for 4-level paging under
 * 4-level EPT). Also translates a guest-physical address through EPT alone.
 */
import { EptTranslator } from '../paging/ept';
import { Access, type WalkTrace } from '../paging/types';
import { Cr0, Efer, walk, type PagingRegisters } from '../paging/walker';
import { Controls, EntryCtl, ExitCtl, Secondary } from './controls';
import { F } from './fields';
import type { VmxUnit } from './vmxUnit';

function guestContext(unit: VmxUnit): { regs: PagingRegisters; ept: EptTranslator | undefined } | undefined {
  const vmcs = unit.current;
  if (!vmcs) return undefined;
  if (unit.operation === 'non-root') return { regs: unit.cpu, ept: unit.ept };
  const primary = vmcs.get32(F.CPU_BASED_VM_EXEC_CONTROL);
  const secondary = new Controls(0, primary, vmcs.get32(F.SECONDARY_VM_EXEC_CONTROL), 0, 0).secondaryValue;
  const ept = secondary & Secondary.enableEpt ? new EptTranslator(unit.cpu.mem, vmcs.get(F.EPT_POINTER)) : undefined;
  const regs: PagingRegisters = {
    cr0: vmcs.get32(F.GUEST_CR0),
    cr3: Number(vmcs.get(F.GUEST_CR3)),
    cr4: vmcs.get32(F.GUEST_CR4),
    efer: guestEfer(unit),
  };
  return { regs, ept };
}

/** Guest EFER: the saved field when exits save it, else NXE as the CPU has it and LMA/LME from "IA-32e mode guest". */
function guestEfer(unit: VmxUnit): number {
  const vmcs = unit.current!;
  if (vmcs.get32(F.VM_EXIT_CONTROLS) & ExitCtl.saveEfer) return Number(vmcs.get(F.GUEST_IA32_EFER) & 0xffffffffn);
  const long = vmcs.get32(F.VM_ENTRY_CONTROLS) & EntryCtl.ia32eModeGuest ? Efer.LMA | Efer.LME : 0;
  return (unit.cpu.efer & Efer.NXE) | long;
}

/** Traces the guest translation of `linear`; undefined without a current VMCS. */
export function traceGuestWalk(unit: VmxUnit, linear: number, access: Access = Access.Read, user = false): WalkTrace | undefined {
  const context = guestContext(unit);
  if (!context) return undefined;
  const trace: WalkTrace = { linear, steps: [] };
  if (!(context.regs.cr0 & Cr0.PG)) {
    // Guest paging off (unrestricted guest): the linear address is the guest-physical address.
    const request = { access, linear, pagingStructure: false, sideEffects: false, trace: trace.steps, forGuestLevel: 0, user };
    const physical = context.ept ? context.ept.translate(linear >>> 0, request) : linear >>> 0;
    trace.guestPhysical = linear >>> 0;
    if (physical >= 0) trace.physical = physical;
    else trace.fault = `EPT could not translate guest-physical 0x${(linear >>> 0).toString(16)}`;
    return trace;
  }
  walk(unit.cpu.mem, context.regs, linear, { kind: access, user }, false, context.ept, trace);
  return trace;
}
