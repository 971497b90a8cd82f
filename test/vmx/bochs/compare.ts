/**
 * Runs differential cases by hand and prints both reports and their differences:
 *   npx tsx test/vmx/bochs/compare.ts exit-io exit-msr      (no names: every listed case)
 * Add `--log` for the tail of Bochs's log (VMFAIL / VMENTER FAIL lines name Bochs's reasons).
 */
import { DIFF_CASES } from './cases';
import { assembleCases, bochsDiffMissing, compareReports, formatReport, runBochs, runOurs } from './bochsDiff';

function main(): void {
  const missing = bochsDiffMissing();
  if (missing) {
    console.error(`cannot compare: ${missing}`);
    process.exitCode = 1;
    return;
  }
  const args = process.argv.slice(2);
  const showLog = args.includes('--log');
  const requested = args.filter((arg) => !arg.startsWith('--'));
  const names = requested.length > 0 ? requested : DIFF_CASES.map((c) => c.name);
  const images = assembleCases(names);
  const bochs = runBochs(names.map((name) => images.get(name) ?? new Uint8Array()));
  names.forEach((name, index) => {
    const ignore = DIFF_CASES.find((c) => c.name === name);
    const keys = new Set([...Object.keys(ignore?.ignore ?? {}), ...Object.keys(ignore?.knownOurs ?? {})]);
    const ours = runOurs(images.get(name) ?? new Uint8Array());
    const theirs = bochs.reports[index] ?? { status: 'missing' as const, entries: [] };
    const differences = compareReports(ours, theirs, keys);
    console.log(`== ${name}: ${differences.length} difference(s)`);
    console.log(`  ours:  ${formatReport(ours)}`);
    console.log(`  Bochs: ${formatReport(theirs)}`);
    for (const d of differences) console.log(`  #${d.index} ${d.key}: ours ${d.ours}, Bochs ${d.bochs}`);
  });
  if (showLog) console.log(bochs.log.split('\n').filter((line) => !/\di\[/.test(line)).slice(-40).join('\n'));
}

main();
