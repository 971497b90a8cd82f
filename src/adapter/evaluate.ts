// The `evaluate` and `setExpression` requests: console commands, expressions over
// registers, labels and memory (results in hex and decimal, with the label and a memory
// reference when the value is a mapped address), and assignment to registers and sized
// memory operands, and to VMCS fields (`vmcs.guest_rip`, validated like setVariable).
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Debuggee } from './debuggee';
import { runCommand } from './commands';
import { evaluateExpression, evaluateNode, parseExpression } from './expression';
import { lookupRegister } from './registers';
import { symbolize } from './program';
import { hex64 } from './format';
import { UserError } from './errors';
import { writeVmcsField } from './vmcsWrite';

export function evaluate(debuggee: Debuggee, expression: string, context: string | undefined): DebugProtocol.EvaluateResponse['body'] {
  if (context === 'repl' || context === undefined) {
    const output = runCommand(expression, { machine: debuggee.machine, memory: debuggee.memory, evalContext: debuggee.evalContext });
    if (output !== undefined) return { result: output, variablesReference: 0 };
  }
  const node = parseExpression(expression);
  if (context === 'hover' && node.kind === 'name' && !lookupRegister(node.name) && !debuggee.program.symbols.has(node.name)) throw new UserError(`'${node.name}' is not a register or label`);
  const value = evaluateNode(node, debuggee.evalContext);
  const bits = node.kind === 'name' ? (lookupRegister(node.name)?.bits ?? 64) : 64;
  const body: DebugProtocol.EvaluateResponse['body'] = { result: bits < 8 ? value.toString() : `${hex64(value)} (${value})`, variablesReference: 0, type: node.kind === 'memory' ? 'memory' : 'integer' };
  const linear = Number(BigInt.asIntN(64, value));
  const symbol = symbolize(debuggee.program, linear);
  if (symbol !== undefined && debuggee.memory.readValue(linear, 1) !== undefined) {
    body.memoryReference = `gva:${hex64(value)}`;
    body.result += ` <${symbol}>`;
  } else if (value >= 0x1000n && debuggee.memory.toHost('gva', linear) !== undefined) {
    body.memoryReference = `gva:${hex64(value)}`;
  }
  return body;
}

/** Assigns `valueText` to a register name or a sized memory operand; returns the new value as shown. */
export function assign(debuggee: Debuggee, expression: string, valueText: string): string {
  if (debuggee.runtime.isRunning) throw new UserError('pause the machine before editing');
  const target = parseExpression(expression);
  const value = evaluateExpression(valueText, debuggee.evalContext);
  if (target.kind === 'name' && lookupRegister(target.name)) {
    const register = lookupRegister(target.name)!;
    if (!register.set) throw new UserError(`${target.name} is read-only in the debugger`);
    const problem = register.set(debuggee.machine.cpu, /^\s*-/.test(valueText) ? BigInt.asIntN(64, value) : value);
    if (problem) throw new UserError(problem);
  } else if (target.kind === 'name' && /^vmcs\./i.test(target.name)) {
    writeVmcsField(debuggee.machine, target.name.slice(5), value);
  } else if (target.kind === 'memory') {
    const address = evaluateNode(target.address, debuggee.evalContext);
    const bytes = new Uint8Array(target.size);
    for (let i = 0; i < target.size; i++) bytes[i] = Number((value >> BigInt(8 * i)) & 0xffn);
    const ref = { space: 'gva' as const, address: Number(BigInt.asIntN(64, address)) };
    if (debuggee.memory.read(ref, target.size).unreadable > 0 || debuggee.memory.write(ref, bytes) < target.size) throw new UserError(`cannot write ${target.size} bytes at ${hex64(address)}: not mapped RAM`);
  } else throw new UserError(`'${expression}' cannot be assigned: use a register, a memory operand like qword [rsp], or a VMCS field like vmcs.exception_bitmap`);
  const shown = evaluateExpression(expression, debuggee.evalContext);
  return `${hex64(shown)} (${shown})`;
}
