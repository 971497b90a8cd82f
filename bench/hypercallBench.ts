/**
 * Hypercalls per second: a guest of the built-in hypervisor looping on a cheap hypercall
 * — xen_version(XENVER_version) through the Xen hypercall page, and KVM_HC_FEATURES by a
 * bare VMCALL with the default personality — each one a VM exit, dispatch, log and entry.
 */
import { assembleSource } from '../src/asm/index';
import { Machine } from '../src/machine/machine';

const XEN_LOOP = (iterations: number) => `bits 64
org 0x100000
  mov ecx, 0x40000000        ; the hypercall-page MSR
  mov eax, 0x200000
  xor edx, edx
  wrmsr
  mov r12, ${iterations}
.loop:
  xor edi, edi               ; XENVER_version
  call 0x200000 + 17 * 32    ; xen_version
  dec r12
  jnz .loop
  hlt`;

const KVM_LOOP = (iterations: number) => `bits 64
org 0x100000
  mov r12, ${iterations}
.loop:
  mov eax, 3                 ; KVM_HC_FEATURES
  vmcall
  dec r12
  jnz .loop
  hlt`;

interface HypercallRate {
  readonly hypercalls: number;
  readonly seconds: number;
  readonly perSecond: number;
}

function measure(source: string, paravirt: 'xen' | 'kvm'): HypercallRate {
  const image = assembleSource(source, 'hypercall-loop.asm').bytes;
  const boot = () => {
    const machine = new Machine({ memoryMB: 64 });
    return { machine, hypervisor: machine.loadGuest(image, { paravirt }) };
  };
  boot().machine.run(300_000); // warm up the JIT and the decode cache
  const { machine, hypervisor } = boot();
  const start = process.hrtime.bigint();
  let stop = machine.run(50_000_000);
  while (stop.reason === 'budget') stop = machine.run(50_000_000);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const hypercalls = hypercallsOf(hypervisor);
  return { hypercalls, seconds, perSecond: hypercalls / seconds };
}

function hypercallsOf(hypervisor: ReturnType<Machine['loadGuest']>): number {
  return hypervisor.hypercalls.total;
}

/** Prints the hypercall lines of `npm run bench`. */
export function printHypercallBenchmark(iterations = 200_000): void {
  const xen = measure(XEN_LOOP(iterations), 'xen');
  const kvm = measure(KVM_LOOP(iterations), 'kvm');
  const k = (rate: HypercallRate) => `${(rate.perSecond / 1000).toFixed(0)} k hypercalls/s (${rate.hypercalls} in ${rate.seconds.toFixed(2)} s)`;
  console.log(`  hypercall loop, Xen personality (xen_version via the hypercall page): ${k(xen)}`);
  console.log(`  hypercall loop, KVM-style VMCALL (KVM_HC_FEATURES): ${k(kvm)}`);
}
