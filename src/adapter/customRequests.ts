// Custom requests (names and types in src/protocol/dap.ts), as a table from request name
// to handler, and their dispatch. The views (page-walk visualizer, page-table tree) use only these.
import { CustomRequest, type DevicesArguments, type EptTablesArguments, type PageTablesArguments, type PageWalkArguments, type VmExitsArguments, type WriteVmcsFieldArguments } from '../protocol/dap';
import { InvalidatedEvent } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { Debuggee } from './debuggee';
import { stateChangedEvent, type SessionHost } from './sessionHost';
import { pageWalk } from './pageWalk';
import { pageTables } from './pageTables';
import { registerDump } from './registers';
import { parseInteger } from './format';
import { UserError } from './errors';
import { vmcsRequest, vmExitsRequest } from './vmxRequests';
import { eptTables } from './eptTables';
import { writeVmcsField } from './vmcsWrite';
import { evaluateExpression } from './expression';
import { devicesRequest } from './devicesRequest';

type Handler = (debuggee: Debuggee, args: unknown) => unknown;

const HANDLERS: Record<string, Handler> = {
  [CustomRequest.pageWalk]: (debuggee, raw) => {
    const args = raw as PageWalkArguments;
    const address = typeof args.address === 'number' ? BigInt(args.address) : parseInteger(args.address);
    if (address === undefined) throw new UserError(`pageWalk: '${String(args.address)}' is not an address`);
    return pageWalk(debuggee, address, args.access ?? 'read', args.user ?? debuggee.machine.cpu.cpl === 3);
  },
  [CustomRequest.registers]: (debuggee) => registerDump(debuggee.machine.cpu),
  [CustomRequest.pageTables]: (debuggee, args) => pageTables(debuggee, (args as PageTablesArguments | undefined)?.maxEntries),
  [CustomRequest.vmcs]: (debuggee) => vmcsRequest(debuggee.machine),
  [CustomRequest.vmExits]: (debuggee, args) => vmExitsRequest(debuggee.machine, (args as VmExitsArguments | undefined)?.limit),
  [CustomRequest.eptTables]: (debuggee, args) => eptTables(debuggee.machine, (args as EptTablesArguments | undefined) ?? {}),
  [CustomRequest.devices]: (debuggee, args) => devicesRequest(debuggee.machine, (args as DevicesArguments | undefined) ?? {}),
  [CustomRequest.writeVmcsField]: (debuggee, raw) => {
    const args = raw as WriteVmcsFieldArguments;
    if (debuggee.runtime.isRunning) throw new UserError('pause the machine before editing the VMCS');
    const value = typeof args.value === 'number' ? BigInt(args.value) : evaluateExpression(args.value, debuggee.evalContext);
    return writeVmcsField(debuggee.machine, args.field, value);
  },
};

/** Custom requests that change machine state (the session tells views to refresh after them). */
export const STATE_CHANGING: ReadonlySet<string> = new Set([CustomRequest.writeVmcsField]);

/** The handler for a custom request, or undefined when the command is unknown. */
export function customHandler(command: string): Handler | undefined {
  return Object.prototype.hasOwnProperty.call(HANDLERS, command) ? HANDLERS[command] : undefined;
}

/** Answers a custom request; after a state-changing one, tells the variables view and the custom views. */
export function customRequest(host: SessionHost, command: string, response: DebugProtocol.Response, args: unknown): void {
  host.handle(response, () => {
    const handler = customHandler(command);
    if (!handler) throw new UserError(`unknown request '${command}'`);
    response.body = handler(host.require(), args);
    host.sendResponse(response);
    if (STATE_CHANGING.has(command)) {
      host.sendEvent(new InvalidatedEvent(['variables']));
      host.sendEvent(stateChangedEvent('vmcs'));
    }
  });
}
