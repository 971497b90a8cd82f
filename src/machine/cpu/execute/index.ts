/** Registers every instruction handler table with the compiler (imported once by the machine). */
import { registerHandlers } from '../compile';
import { aluHandlers } from './alu';
import { basicSystemHandlers } from './basicSystem';
import { branchHandlers } from './branch';
import { moveHandlers } from './move';

let registered = false;

export function registerAllHandlers(): void {
  if (registered) return;
  registered = true;
  for (const table of [aluHandlers, branchHandlers, moveHandlers, basicSystemHandlers]) registerHandlers(table);
}
