/** Tool latencies: assembler throughput, language-server diagnostics, DAP round trips, extension metrics. */
import { existsSync, readFileSync } from 'node:fs';
import { measureAssembler } from '../src/asm/assemble';
import { measureDiagnosticsLatency } from '../src/server/bench';
import { measureStepBack, measureStepRoundTrip, measureVmcsFetch } from '../src/adapter/bench';
import { benchSource } from '../test/asm/benchSource';

export async function printToolBenchmarks(): Promise<void> {
  const source = benchSource(10_000);
  console.log('\nAssembler and language server (10 k-line source)');
  measureAssembler(source, 2); // warm up the instruction-form tables
  const asm = measureAssembler(source, 7);
  console.log(`  assembler: ${(asm.linesPerSecond / 1000).toFixed(0)} k lines/s (median of 7 runs: ${asm.milliseconds.toFixed(1)} ms, ${asm.bytes} bytes; target >= 200 k lines/s)`);
  const latency = await measureDiagnosticsLatency(source);
  console.log(`  language server didChange -> publishDiagnostics: ${latency.toFixed(1)} ms median of 5 (target <= 100 ms; debounce excluded)`);

  console.log('\nDebug adapter (in-process DAP)');
  const step = await measureStepRoundTrip(1000);
  console.log(`  step round trip (stepIn -> stopped -> stackTrace -> scopes -> variables) over 1000 steps: p50 ${step.p50.toFixed(2)} ms, p95 ${step.p95.toFixed(2)} ms (targets 5 / 15 ms)`);
  const vmcs = await measureVmcsFetch(20);
  console.log(`  full VMCS variables fetch (every group, field and control bit: ${vmcs.variables} variables): p50 ${vmcs.p50.toFixed(1)} ms, p95 ${vmcs.p95.toFixed(1)} ms`);
  const back = await measureStepBack(10_000_000, 20);
  console.log(`  stepBack after 10 M instructions: p50 ${back.p50.toFixed(1)} ms, p95 ${back.p95.toFixed(1)} ms (target <= 50 ms; forward run ${back.forwardMs.toFixed(0)} ms)`);

  console.log('\nVS Code extension (from the last e2e run: npm run test:e2e)');
  const metrics = 'test-results/e2e-metrics.json';
  if (!existsSync(metrics)) {
    console.log('  no e2e metrics yet: run npm run test:e2e first');
    return;
  }
  const m = JSON.parse(readFileSync(metrics, 'utf8')) as { activationMs?: number; activateCallMs?: number; vsixBytes?: number; vscodeVersion?: string; at?: string };
  console.log(`  activation: activate() ${m.activationMs ?? '?'} ms, extension.activate() call incl. loading the bundle ${m.activateCallMs ?? '?'} ms (VS Code ${m.vscodeVersion ?? '?'}, ${m.at ?? '?'})`);
  if (m.vsixBytes !== undefined) console.log(`  .vsix size: ${(m.vsixBytes / 1024).toFixed(0)} KiB (target <= 3 MB)`);
}
