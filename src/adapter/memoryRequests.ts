// readMemory, writeMemory and disassemble over `gva:` / `gpa:` / `hpa:` memory references.
import { MemoryEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { parseMemoryReference } from './memory';
import { disassemble } from './disassemble';
import { UserError } from './errors';
import { stateChangedEvent, type SessionHost } from './sessionHost';

const MAX_READ = 1 << 20;
const MAX_INSTRUCTIONS = 10_000;

export class MemoryRequests {
  /** `written` runs after guest memory changed (data breakpoints re-translate their ranges). */
  constructor(
    private readonly host: SessionHost,
    private readonly written: () => void,
  ) {}

  read(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    this.host.handle(response, () => {
      const ref = parseMemoryReference(args.memoryReference, args.offset ?? 0);
      if (args.count < 0 || args.count > MAX_READ) throw new UserError(`readMemory: count must be between 0 and ${MAX_READ}, got ${args.count}`);
      const { bytes, unreadable } = this.host.require().memory.read(ref, args.count);
      response.body = { address: '0x' + BigInt.asUintN(64, BigInt(ref.address)).toString(16), data: Buffer.from(bytes).toString('base64'), unreadableBytes: unreadable };
      this.host.sendResponse(response);
    });
  }

  /** All or nothing unless `allowPartial`; tells the memory view and the custom views. */
  write(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    this.host.handle(response, () => {
      const debuggee = this.host.require();
      const ref = parseMemoryReference(args.memoryReference, args.offset ?? 0);
      const data = new Uint8Array(Buffer.from(args.data, 'base64'));
      if (!args.allowPartial) {
        const probe = debuggee.memory.read(ref, data.length);
        if (probe.unreadable > 0) throw new UserError(`writeMemory: only ${probe.bytes.length} of ${data.length} bytes at ${args.memoryReference} are mapped RAM; nothing written (set allowPartial to write what fits)`);
      }
      const written = debuggee.memory.write(ref, data);
      this.written();
      response.body = { bytesWritten: written };
      this.host.sendResponse(response);
      this.host.sendEvent(new MemoryEvent(args.memoryReference, args.offset ?? 0, written));
      this.host.sendEvent(stateChangedEvent('memory'));
    });
  }

  disassemble(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    this.host.handle(response, () => {
      const debuggee = this.host.require();
      const base = parseMemoryReference(args.memoryReference, args.offset ?? 0);
      if (args.instructionCount < 0 || args.instructionCount > MAX_INSTRUCTIONS) throw new UserError(`disassemble: instructionCount must be between 0 and ${MAX_INSTRUCTIONS}, got ${args.instructionCount}`);
      const instructions = disassemble(debuggee.memory, debuggee.program, base, debuggee.machine.cpu.bitness, args.instructionOffset ?? 0, args.instructionCount);
      for (const i of instructions) if (i.line !== undefined) i.line = this.host.clientLine(i.line);
      response.body = { instructions };
      this.host.sendResponse(response);
    });
  }
}
