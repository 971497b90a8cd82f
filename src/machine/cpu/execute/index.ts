/** Registers every instruction handler table with the compiler (imported once by the machine). */
import { registerHandlers } from '../compile';
import { aluHandlers } from './alu';
import { basicSystemHandlers } from './basicSystem';
import { branchHandlers } from './branch';
import { integerHandlers } from './integer';
import { moveHandlers } from './move';
import { systemHandlers } from './system';
import { vmxHandlers } from './vmxInstructions';

let registered = false;

export function registerAllHandlers(): void {
  if (registered) return;
  registered = true;
  // systemHandlers first: its MOV/PUSH/POP factories take the segment-register forms.
  for (const table of [systemHandlers, aluHandlers, branchHandlers, moveHandlers, basicSystemHandlers, integerHandlers, vmxHandlers]) registerHandlers(table);
}
