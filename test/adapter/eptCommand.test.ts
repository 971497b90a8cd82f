import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withClient } from './client';
import { launchWithFilters, sample } from './vmExitHelpers';

// `ept` in the debug console: the built-in hypervisor's EPT maps guest RAM (32 MiB at
// GPA 0) to host-physical 0x1000000 with 2 MiB pages, read/write/execute.
test('ept shows the EPTP decoded and guest RAM mapped at a different host-physical address', async () => {
  await withClient(async (client) => {
    await launchWithFilters(client, { program: sample('guest-port-io.hvasm'), mode: 'guest' }, ['vm-exit-io']);
    const text = await client.evaluate('ept');
    assert.match(text, /^EPTP 0x[0-9a-f]+: PML4 at HPA 0x[0-9a-f]+, memory type 6 \(WB\), walk length 4/);
    assert.match(text, /\n0x0-0x1ffffff\s+0x1000000\s+RWX\s+32 MiB \(2 MiB pages\)/);
  });
});

test('ept without a current VMCS says so', async () => {
  await withClient(async (client) => {
    await client.launchAndWaitForStop({ program: sample('hello.hvasm'), mode: 'bare', stopOnEntry: true });
    assert.match(await client.evaluate('ept'), /no current VMCS/);
  });
});
