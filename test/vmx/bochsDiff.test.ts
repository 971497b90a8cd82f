/**
 * Differential tests of our VMX against Bochs 2.7 (test/vmx/bochs/): every case runs in
 * both, in one Bochs session for all cases, and their port-0xE9 reports must agree
 * field by field (exit reasons, qualifications, instruction lengths and information,
 * VM-instruction errors, RFLAGS after VMX instructions, guest RIP/GPA/GLA, GPRs).
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIFF_CASES } from './bochs/cases';
import { assembleCases, bochsDiffMissing, compareReports, formatReport, runBochs, runOurs, type Report } from './bochs/bochsDiff';

const missing = bochsDiffMissing();
const skip = missing ? `bochs not installed (${missing}; scripts/install-oracles.sh installs it)` : false;

describe('VMX against Bochs 2.7', { skip }, () => {
  const names = DIFF_CASES.map((c) => c.name);
  let images = new Map<string, Uint8Array>();
  let bochs: Report[] = [];
  let log = '';

  before(() => {
    images = assembleCases(names);
    const run = runBochs(names.map((name) => images.get(name) ?? new Uint8Array()));
    bochs = run.reports;
    log = run.log;
  });

  DIFF_CASES.forEach((diffCase, index) => {
    test(`${diffCase.name}: ${diffCase.what}`, () => {
      const image = images.get(diffCase.name);
      assert.ok(image, 'the case assembled');
      const theirs = bochs[index];
      assert.ok(theirs && theirs.status === 'end', `Bochs did not finish the case (${theirs?.status ?? 'no report'}); Bochs log tail:\n${log.split('\n').slice(-15).join('\n')}`);
      const ours = runOurs(image);
      const differences = compareReports(ours, theirs, new Set([...Object.keys(diffCase.ignore ?? {}), ...Object.keys(diffCase.knownOurs ?? {})]));
      const table = differences.map((d) => `  #${d.index} ${d.key}: ours ${d.ours}, Bochs ${d.bochs}`).join('\n');
      assert.equal(differences.length, 0, `${diffCase.name} (${diffCase.sdm}) differs from Bochs:\n${table}\nours:  ${formatReport(ours)}\nBochs: ${formatReport(theirs)}`);
      assert.ok(ours.entries.length > 0, 'the case reported something');
    });
    const known = Object.entries(diffCase.knownOurs ?? {});
    if (known.length > 0) {
      test(`${diffCase.name}: known discrepancies in our simulator`, { todo: known.map(([key, why]) => `${key}: ${why}`).join('; ') }, () => {
        const theirs = bochs[index];
        const image = images.get(diffCase.name);
        assert.ok(theirs && image);
        const differences = compareReports(runOurs(image), theirs, new Set(Object.keys(diffCase.ignore ?? {})));
        assert.equal(differences.length, 0, differences.map((d) => `#${d.index} ${d.key}: ours ${d.ours}, Bochs ${d.bochs}`).join('\n'));
      });
    }
  });
});
