/**
 * Instructions of features this CPU model does not report in CPUID (cpuidTable.ts) raise
 * an architectural #UD, as on a real processor without them — not the "not implemented
 * by the simulator" stop: AMD SVM, MONITOR/MWAIT, TSX, protection keys, RDRAND/RDSEED,
 * RDPID, FSGSBASE, SMAP (CLAC/STAC), INVPCID, XSAVE family, SMX (GETSEC), SGX, PTWRITE,
 * CLFLUSHOPT/CLWB, WAITPKG. A unit that implements one registers its own handler and
 * removes the mnemonic here.
 */
import { Mnemonic } from 'iced-x86';
import type { Factory } from '../compile';
import { ud } from '../fault';

const ABSENT = [
  // AMD SVM (this is an Intel CPU)
  Mnemonic.Clgi, Mnemonic.Stgi, Mnemonic.Vmrun, Mnemonic.Vmload, Mnemonic.Vmsave, Mnemonic.Vmmcall, Mnemonic.Skinit, Mnemonic.Invlpga,
  // CPUID.1:ECX.MONITOR = 0; AMD MONITORX; WAITPKG
  Mnemonic.Monitor, Mnemonic.Mwait, Mnemonic.Monitorx, Mnemonic.Mwaitx, Mnemonic.Umonitor, Mnemonic.Umwait, Mnemonic.Tpause,
  // RTM/HLE, PKU, RDRAND, RDSEED, RDPID, FSGSBASE, SMAP, INVPCID
  Mnemonic.Xbegin, Mnemonic.Xend, Mnemonic.Xabort, Mnemonic.Xtest, Mnemonic.Rdpkru, Mnemonic.Wrpkru, Mnemonic.Rdrand, Mnemonic.Rdseed, Mnemonic.Rdpid,
  Mnemonic.Rdfsbase, Mnemonic.Rdgsbase, Mnemonic.Wrfsbase, Mnemonic.Wrgsbase, Mnemonic.Clac, Mnemonic.Stac, Mnemonic.Invpcid,
  // XSAVE (CPUID.1:ECX.XSAVE = 0, CR4.OSXSAVE reserved), SMX, SGX, PTWRITE, cache-line write-back variants
  Mnemonic.Xgetbv, Mnemonic.Xsetbv, Mnemonic.Xsave, Mnemonic.Xsave64, Mnemonic.Xrstor, Mnemonic.Xrstor64, Mnemonic.Xsaveopt, Mnemonic.Xsaveopt64,
  Mnemonic.Xsavec, Mnemonic.Xsavec64, Mnemonic.Xsaves, Mnemonic.Xsaves64, Mnemonic.Xrstors, Mnemonic.Xrstors64,
  Mnemonic.Getsec, Mnemonic.Encls, Mnemonic.Enclu, Mnemonic.Enclv, Mnemonic.Ptwrite, Mnemonic.Clflushopt, Mnemonic.Clwb,
];

const absent: Factory = () => () => {
  throw ud();
};

export const absentFeatureHandlers: [number, Factory][] = ABSENT.map((mnemonic) => [mnemonic, absent]);
