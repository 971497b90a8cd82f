// Assembler throughput on the 10 k-line benchmark source. Bundle it like `npm run bench` does
// (tsx adds overhead):  npx esbuild test/asm/throughput.ts --bundle --platform=node
//   --external:iced-x86 --outfile=/tmp/throughput.js && node /tmp/throughput.js
// Prints the first assembly in the process (tables and caches cold) and, over several
// rounds of measureAssembler, the best and median lines per second plus CPU time.
import { assembleSource, measureAssembler } from '../../src/asm/index';
import { benchSource } from './benchSource';

const source = benchSource();
const lines = source.split('\n').length;
const coldStart = performance.now();
assembleSource(source, 'bench.asm');
console.log(`first assembly: ${(performance.now() - coldStart).toFixed(0)} ms for ${lines} lines`);
const rates: number[] = [];
const cpu: number[] = [];
for (let round = 0; round < 15; round++) {
  const before = process.cpuUsage();
  rates.push(measureAssembler(source, 1).linesPerSecond);
  const used = process.cpuUsage(before);
  cpu.push((used.user + used.system) / 1000);
}
rates.sort((a, b) => b - a);
cpu.sort((a, b) => a - b);
const median = (values: number[]): number => values[Math.floor(values.length / 2)] ?? Number.NaN;
console.log(`steady state: best ${rates[0]} lines/s, median ${median(rates)} lines/s (target >= 200000); CPU per assembly: best ${cpu[0]?.toFixed(1)} ms, median ${median(cpu).toFixed(1)} ms`);
