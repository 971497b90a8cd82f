// Custom requests (names and types in src/protocol/dap.ts), as a table from request name
// to handler. The views (page-walk visualizer, page-table tree) use only these.
import { CustomRequest, type PageTablesArguments, type PageWalkArguments, type VmExitsArguments } from '../protocol/dap';
import type { Debuggee } from './debuggee';
import { pageWalk } from './pageWalk';
import { pageTables } from './pageTables';
import { registerDump } from './registers';
import { parseInteger } from './format';
import { UserError } from './errors';
import { vmcsRequest, vmExitsRequest } from './vmxRequests';

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
};

/** The handler for a custom request, or undefined when the command is unknown. */
export function customHandler(command: string): Handler | undefined {
  return Object.prototype.hasOwnProperty.call(HANDLERS, command) ? HANDLERS[command] : undefined;
}
