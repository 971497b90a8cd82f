import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateLaunchArguments } from '../../src/adapter/launchConfig';
import { runCommand } from '../../src/cli/runCommand';
import { UsageError } from '../../src/cli/args';
import { hypercallTable, resolveHypercall } from '../../src/machine/xen/hypercallNames';
import { Errno, Hc } from '../../src/machine/xen/abi';
import { xenMachine } from './harness';

test('hypercall names ↔ numbers for breakpoints, both personalities', () => {
  assert.equal(resolveHypercall('xen', 'event_channel_op'), 32);
  assert.equal(resolveHypercall('xen', 'XEN_VERSION'), 17);
  assert.equal(resolveHypercall('xen', '0x1d'), 29);
  assert.equal(resolveHypercall('xen', '13'), 13);
  assert.equal(resolveHypercall('xen', 'no_such_call'), undefined);
  assert.equal(resolveHypercall('kvm', 'KVM_HC_FEATURES'), 3);
  assert.equal(resolveHypercall('kvm', 'console write'), 0x100);
  assert.ok(hypercallTable('xen').some((e) => e.number === 34 && e.name === 'hvm_op'));
  assert.ok(!hypercallTable('xen').some((e) => e.name.startsWith('hypercall_')));
});

test('launch configuration: paravirt is "kvm" or "xen", guest mode only, and reaches the guest options', () => {
  const config = validateLaunchArguments({ program: '/tmp/x.hvasm', mode: 'guest', paravirt: 'xen', guest: { hltExiting: false } });
  assert.deepEqual(config.guest, { hltExiting: false, paravirt: 'xen' });
  assert.equal(validateLaunchArguments({ program: '/tmp/x.hvasm', mode: 'guest' }).guest.paravirt, undefined);
  assert.throws(() => validateLaunchArguments({ program: '/tmp/x.hvasm', mode: 'guest', paravirt: 'hyperv' }), /'paravirt' must be "kvm" or "xen"/);
  assert.throws(() => validateLaunchArguments({ program: '/tmp/x.hvasm', paravirt: 'xen' }), /applies only to mode "guest"/);
  assert.equal(validateLaunchArguments({ program: '/tmp/x.hvasm', mode: 'guest', guest: { paravirt: 'xen' } }).guest.paravirt, 'xen', 'also accepted in guest');
  assert.throws(() => validateLaunchArguments({ program: '/tmp/x.hvasm', mode: 'guest', paravirt: 'kvm', guest: { paravirt: 'xen' } }), /disagree/);
  assert.throws(() => validateLaunchArguments({ program: '/tmp/x.hvasm', mode: 'guest', guest: { paravirt: 'vmware' } }), /'guest.paravirt' must be/);
});

test('CLI: --paravirt takes kvm or xen, in guest mode only', () => {
  const io = { stdout: () => undefined, stdoutRaw: () => undefined, stderr: () => undefined };
  assert.throws(() => runCommand(['x.hvasm', '--mode', 'guest', '--paravirt', 'vmware'], io), (e: unknown) => e instanceof UsageError && /--paravirt takes 'kvm' or 'xen'/.test(e.message));
  assert.throws(() => runCommand(['x.hvasm', '--paravirt', 'xen'], io), (e: unknown) => e instanceof UsageError && /only to --mode guest/.test(e.message));
});

test('grant table version: v1 only; HVM params read back', () => {
  const h = xenMachine();
  h.put(0x300000, [[4, 2]]);
  assert.equal(h.call(Hc.grant_table_op, 8, 0x300000, 1), -BigInt(Errno.EOPNOTSUPP));
  h.put(0x300000, [[4, 1]]);
  assert.equal(h.call(Hc.grant_table_op, 8, 0x300000, 1), 0n);
  h.put(0x300000, [[2, 0x7ff0], [2, 0], [4, 0]]);
  assert.equal(h.call(Hc.grant_table_op, 10, 0x300000, 1), 0n);
  assert.equal(h.u32(0x300004), 1);
  h.put(0x300100, [[2, 0x7ff0], [2, 0], [4, 0x100], [8, 9]]);
  assert.equal(h.call(Hc.hvm_op, 0, 0x300100), 0n);
  h.put(0x300100, [[2, 0x7ff0], [2, 0], [4, 0x100], [8, 0]]);
  assert.equal(h.call(Hc.hvm_op, 1, 0x300100), 0n);
  assert.equal(h.u64(0x300108), 9n);
  h.put(0x300100, [[2, 0x7ff0], [2, 0], [4, 55], [8, 0]]);
  assert.equal(h.call(Hc.hvm_op, 1, 0x300100), -BigInt(Errno.EINVAL));
});
