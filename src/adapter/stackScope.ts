// The "Stack" scope: the qwords from RSP upward, each with the label it points into, as a
// ScopeProvider (the same seam the VMCS and VM-exit scopes will use).
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Debuggee } from './debuggee';
import type { ScopeProvider } from './variables';
import { symbolize } from './program';
import { formatMemoryReference } from './memory';
import { hexPadded } from './format';

const SLOTS = 32;

export class StackScope implements ScopeProvider {
  constructor(
    private readonly reference: number,
    private readonly debuggee: () => Debuggee,
  ) {}

  scopes(): DebugProtocol.Scope[] {
    return [{ name: 'Stack', variablesReference: this.reference, expensive: false, namedVariables: SLOTS }];
  }

  variables(reference: number): DebugProtocol.Variable[] | undefined {
    if (reference !== this.reference) return undefined;
    const { machine, memory, program } = this.debuggee();
    const rsp = machine.cpu.gprAsAddress(4);
    const { bytes } = memory.read({ space: 'gva', address: rsp }, SLOTS * 8);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: DebugProtocol.Variable[] = [];
    for (let slot = 0; slot < SLOTS; slot++) {
      const name = `[rsp+0x${(slot * 8).toString(16)}]`;
      if ((slot + 1) * 8 > bytes.length) {
        out.push({ name, value: 'unmapped', variablesReference: 0 });
        break;
      }
      const value = view.getBigUint64(slot * 8, true);
      const symbol = symbolize(program, Number(BigInt.asIntN(64, value)));
      out.push({
        name,
        value: hexPadded(value, 16) + (symbol !== undefined && value >= 0x1000n ? ` <${symbol}>` : ''),
        variablesReference: 0,
        evaluateName: `qword [rsp + 0x${(slot * 8).toString(16)}]`,
        memoryReference: formatMemoryReference('gva', rsp + slot * 8),
        type: 'qword',
      });
    }
    return out;
  }
}
