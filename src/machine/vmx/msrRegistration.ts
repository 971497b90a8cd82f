/** Registers the VMX capability MSRs 0x480–0x491 (read-only: WRMSR raises #GP(0)). */
import { gp0 } from '../cpu/fault';
import { registerMsr } from '../cpu/msrs';
import { VMX_CAPABILITY_MSRS } from './capabilities';

for (const [index, value] of VMX_CAPABILITY_MSRS) {
  registerMsr(index, {
    read: () => value,
    write: () => {
      throw gp0();
    },
  });
}
