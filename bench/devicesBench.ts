/** Device throughput: virtio-blk requests per second for 4 KiB reads by a guest-mode driver. */
import { Machine } from '../src/machine/machine';
import { MemoryBlockImage, OverlayBlockBackend } from '../src/machine/devices/virtio/blockBackend';
import { assembleProgram } from './assembleProgram';

const DISK_BYTES = 4 * 1024 * 1024;

function boot(image: Uint8Array): Machine {
  const disk = new Uint8Array(DISK_BYTES);
  for (let i = 0; i < disk.length; i += 4096) disk[i] = i / 4096;
  const machine = new Machine({ memoryMB: 128, devices: { block: new OverlayBlockBackend(new MemoryBlockImage(disk, 'bench.img')) } });
  machine.loadGuest(image);
  return machine;
}

export function measureVirtioBlock(requests: number): { requestsPerSecond: number; seconds: number; exits: number; stop: string; instructions: number } {
  const image = assembleProgram('virtio-blk-read.asm', { ITERATIONS: String(requests) });
  boot(assembleProgram('virtio-blk-read.asm', { ITERATIONS: '2000' })).run(10_000_000); // warm up
  const machine = boot(image);
  const start = process.hrtime.bigint();
  let stop = machine.run(50_000_000);
  while (stop.reason === 'budget') stop = machine.run(50_000_000);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const exits = [...machine.vmx.exitCounts.values()].reduce((a, b) => a + b, 0);
  const ok = stop.reason === 'exit' && stop.exitCode === 0;
  return { requestsPerSecond: requests / seconds, seconds, exits, stop: ok ? 'ok' : `${stop.reason}: ${stop.detail}`, instructions: machine.cpu.instret };
}

export function printDeviceBenchmarks(): void {
  console.log('\nDevices (guest mode: virtio-mmio emulated on EPT violations, DMA through the IOMMU)');
  const blk = measureVirtioBlock(20_000);
  const note = blk.stop === 'ok' ? '' : ` — run did not finish cleanly (${blk.stop})`;
  console.log(`  virtio-blk 4 KiB reads: ${(blk.requestsPerSecond / 1000).toFixed(1)} k requests/s = ${((blk.requestsPerSecond * 4096) / 1048576).toFixed(0)} MiB/s (20000 requests in ${blk.seconds.toFixed(2)} s, ${blk.exits} VM exits, ${blk.instructions} guest instructions)${note}`);
}
