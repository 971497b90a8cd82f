// The visualizer's page in jsdom: the grid the host's messages produce (numbered accesses,
// greyed cells, stop reasons, aria labels), keyboard navigation, the address form, and
// state restored when the webview is loaded again.
import { strict as assert } from 'node:assert';
import { afterEach, describe, it } from 'node:test';
import { JSDOM } from 'jsdom';
import type { PageWalkResult } from '../../src/protocol/dap';
import { targetOf, type HostMessage, type RenderedSummary, type WebviewMessage } from '../../src/protocol/webview';
import { mount } from '../../src/webview/app';
import type { ViewState } from '../../src/webview/state';
import { bare, eptViolationAtPdpt, hugePage, LINEAR, notPresentAtPd, twoDimensional } from './walkFixtures';

interface Page {
  dom: JSDOM;
  root: HTMLElement;
  posted: WebviewMessage[];
  saved: () => ViewState | undefined;
  send: (message: HostMessage) => void;
  rendered: () => RenderedSummary;
}

const globals = globalThis as unknown as Record<string, unknown>;

function openPage(saved?: ViewState): Page {
  const dom = new JSDOM('<!doctype html><body><main id="app"></main></body>', { pretendToBeVisual: true });
  globals.window = dom.window;
  const root = dom.window.document.getElementById('app') as HTMLElement;
  const posted: WebviewMessage[] = [];
  let state: ViewState | undefined = saved;
  mount(root, { postMessage: (message) => posted.push(message), getState: () => state, setState: (s) => (state = s) });
  return {
    dom,
    root,
    posted,
    saved: () => state,
    send: (message) => dom.window.dispatchEvent(new dom.window.MessageEvent('message', { data: message })),
    rendered: () => {
      const last = [...posted].reverse().find((m) => m.type === 'rendered');
      assert.ok(last && last.type === 'rendered', 'no rendered message');
      return last.summary;
    },
  };
}

function showWalk(result: PageWalkResult): Page {
  const page = openPage();
  page.send({ type: 'walk', target: { kind: 'address', address: result.linear, access: 'read' }, result });
  return page;
}

const cells = (page: Page, selector = ''): HTMLElement[] => [...page.root.querySelectorAll<HTMLElement>(`[role="gridcell"]${selector}`)];
const cell = (page: Page, row: number, column: number): HTMLElement => {
  const found = page.root.querySelector<HTMLElement>(`[role="gridcell"][data-row="${row}"][data-column="${column}"]`);
  assert.ok(found, `no cell ${row},${column}`);
  return found;
};
const numbers = (page: Page): number[] => cells(page, '[data-number]').map((c) => Number(c.dataset.number));
const stopText = (page: Page): string => page.root.querySelector('.stop')?.textContent ?? '';

function press(page: Page, key: string, options: { shiftKey?: boolean; ctrlKey?: boolean } = {}): HTMLElement {
  const active = page.dom.window.document.activeElement as HTMLElement;
  active.dispatchEvent(new page.dom.window.KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...options }));
  return page.dom.window.document.activeElement as HTMLElement;
}

afterEach(() => {
  delete globals.window;
});

describe('two-dimensional walk (24 accesses)', () => {
  for (const withForGuestLevel of [true, false]) {
    it(`numbers every access 1..24 in walk order, row by row (forGuestLevel ${withForGuestLevel ? 'sent' : 'inferred'})`, () => {
      const page = showWalk(twoDimensional(withForGuestLevel));
      assert.deepEqual(numbers(page), Array.from({ length: 24 }, (_, i) => i + 1), 'document order equals walk order');
      // Row r (guest PML4..PT) holds accesses 5r+1..5r+5: four EPT reads then the guest entry.
      for (let row = 0; row < 4; row++) {
        for (let column = 0; column < 5; column++) assert.equal(cell(page, row, column).dataset.number, String(row * 5 + column + 1));
      }
      assert.deepEqual([0, 1, 2, 3].map((column) => cell(page, 4, column).dataset.number), ['21', '22', '23', '24']);
      assert.ok(cell(page, 4, 4).classList.contains('data'), 'the data cell');
      assert.match(cell(page, 4, 4).textContent ?? '', /data at HPA 0x109000/);
      assert.equal(cells(page, '.skipped').length, 0);
      assert.equal(page.root.querySelector('table')?.dataset.layout, 'two-dimensional');
    });
  }

  it('labels each cell with its access for screen readers, and shows address, value and flags', () => {
    const page = showWalk(twoDimensional(true));
    assert.equal(
      cell(page, 1, 4).getAttribute('aria-label'),
      'Access 10: guest PDPT[0] at GPA 0x2000 (HPA 0x102000), value 0x3023, P RW S A, next',
    );
    assert.equal(
      cell(page, 1, 2).getAttribute('aria-label'),
      'Access 8: EPT PD[0] translating the guest PDPT table at HPA 0x82000, value 0x83007, R W X, next',
    );
    const text = cell(page, 1, 4).textContent ?? '';
    for (const part of ['PDPT[0]', 'gpa 0x2000', 'hpa 0x102000', '0x3023', 'P RW S A']) assert.ok(text.includes(part), `${part} in ${text}`);
    assert.match(page.root.querySelector('[role="grid"]')?.getAttribute('aria-label') ?? '', /Two-dimensional walk .* of 0x401000: 24 accesses/);
    assert.match(stopText(page), /Translated: 0x401000 → GPA 0x9000 → HPA 0x109000 \(4 KiB page\)/);
    assert.match(page.root.querySelector('.tlb')?.textContent ?? '', /TLB miss/);
  });

  it('reports what it rendered back to the host', () => {
    const page = showWalk(twoDimensional(true));
    const summary = page.rendered();
    assert.equal(summary.layout, 'two-dimensional');
    assert.equal(summary.linear, LINEAR);
    assert.equal(summary.accesses.length, 24);
    assert.match(summary.accesses[0]!, /^1\. Access 1: EPT PML4\[0\] translating the guest PML4 table/);
    assert.match(summary.accesses[23]!, /^24\. Access 24: EPT PT\[9\] translating the data address/);
  });
});

describe('one-dimensional walk (no EPT)', () => {
  it('numbers the 4 guest accesses and marks the EPT columns "no EPT"', () => {
    const page = showWalk(bare());
    assert.deepEqual(numbers(page), [1, 2, 3, 4]);
    assert.deepEqual([0, 1, 2, 3].map((row) => cell(page, row, 4).dataset.number), ['1', '2', '3', '4']);
    const noEpt = cells(page, '.no-ept');
    assert.equal(noEpt.length, 20, 'four EPT columns in five rows');
    assert.ok(noEpt.every((c) => c.textContent === 'no EPT'));
    assert.equal(page.root.querySelector('table')?.dataset.layout, 'one-dimensional');
    assert.equal(cell(page, 0, 4).getAttribute('aria-label'), 'Access 1: guest PML4[0] at HPA 0x1000, value 0x2023, P RW S A, next');
    assert.match(page.root.querySelector('.tlb')?.textContent ?? '', /TLB hit/);
  });

  it('stops at a not-present PD entry and greys out the cells after it', () => {
    const page = showWalk(notPresentAtPd());
    assert.deepEqual(numbers(page), [1, 2, 3]);
    const stop = cell(page, 2, 4);
    assert.ok(stop.classList.contains('stop'));
    assert.match(stop.getAttribute('aria-label') ?? '', /^Access 3: guest PD\[2\] .* not-present — the walk stops here$/);
    assert.equal(stopText(page), 'Stopped: not present (P = 0) at guest PD[2] at access 3 — PD entry 2 is not present (#PF)');
    const skipped = cells(page, '.skipped');
    assert.deepEqual(skipped.map((c) => `${c.dataset.row},${c.dataset.column}`), ['3,4', '4,4'], 'the PT entry and the data access');
    assert.ok(skipped.every((c) => /not reached: the walk stopped/.test(c.getAttribute('aria-label') ?? '')));
    assert.equal(page.rendered().skippedCells, 2);
  });

  it('shows the 2 MiB huge-page shortcut: the PT row is greyed out, the data is reached', () => {
    const page = showWalk(hugePage(false));
    assert.deepEqual(numbers(page), [1, 2, 3]);
    assert.match(stopText(page), /huge page shortcut: guest PD\[2\] maps a 2 MiB page/);
    assert.ok(cell(page, 2, 4).classList.contains('accessed'), 'the leaf is not a failure');
    assert.match(cell(page, 3, 4).getAttribute('aria-label') ?? '', /not used: the guest PD entry maps a huge page/);
    assert.ok(cell(page, 4, 4).classList.contains('data'));
  });
});

describe('stop reasons', () => {
  const cases: Array<[outcome: string, kind: string, text: RegExp]> = [
    ['not-present', 'not-present', /^Stopped: not present \(P = 0\) at guest PD\[2\] at access 3/],
    ['reserved', 'reserved', /^Stopped: reserved bit set at guest PD\[2\] at access 3/],
    ['permission', 'permission', /^Stopped: permission denied at guest PD\[2\] at access 3/],
  ];
  for (const [outcome, kind, text] of cases) {
    it(`names a ${outcome} stop`, () => {
      const walk = notPresentAtPd();
      walk.steps[2]!.outcome = outcome;
      const page = showWalk(walk);
      assert.match(stopText(page), text);
      assert.equal(page.root.querySelector('.stop')?.getAttribute('data-stop'), kind);
      assert.ok(cell(page, 2, 4).classList.contains('stop'));
    });
  }

  it('paging disabled: no accesses, the guest rows say so, the data cell holds the address', () => {
    const page = showWalk({ linear: '0x7c00', pagingEnabled: false, steps: [], ok: true, physical: '0x7c00', guestPhysical: '0x7c00' });
    assert.equal(stopText(page), 'Paging disabled (CR0.PG = 0): 0x7c00 is physical');
    assert.match(cell(page, 0, 4).getAttribute('aria-label') ?? '', /paging disabled$/);
    assert.match(cell(page, 4, 4).textContent ?? '', /data at HPA 0x7c00/);
  });

  it('a non-canonical address has no accesses and says why', () => {
    const page = showWalk({ linear: '0x800000000000', pagingEnabled: true, steps: [], ok: false, fault: 'not a canonical address (#GP)' });
    assert.equal(stopText(page), 'Stopped: not a canonical address (#GP)');
    assert.deepEqual(numbers(page), []);
  });
});

describe('stops under EPT', () => {
  it('an EPT violation at the third EPT level of the guest PDPT access stops at access 8', () => {
    const page = showWalk(eptViolationAtPdpt());
    assert.deepEqual(numbers(page), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual([0, 1, 2].map((column) => cell(page, 1, column).dataset.number), ['6', '7', '8'], 'the PDPT row, not the data row');
    const stop = cell(page, 1, 2);
    assert.ok(stop.classList.contains('stop'));
    assert.match(stop.getAttribute('aria-label') ?? '', /^Access 8: EPT PD\[0\] translating the guest PDPT table .* ept-violation — the walk stops here$/);
    assert.equal(stopText(page), 'Stopped: EPT violation at EPT PD[0] at access 8 — EPT PD entry 0 is not present');
    assert.equal(cells(page, '.skipped').length, 2 + 5 + 5 + 5, 'EPT PT and entry of the PDPT row, then the PD, PT and data rows');
    assert.ok(stop.parentElement?.querySelector('th')?.textContent?.startsWith('Guest PDPT'));
  });

  it('an EPT misconfiguration is named as such', () => {
    const walk = eptViolationAtPdpt();
    walk.steps[walk.steps.length - 1]!.outcome = 'ept-misconfig';
    const page = showWalk(walk);
    assert.match(stopText(page), /^Stopped: EPT misconfiguration at EPT PD\[0\] at access 8/);
    assert.equal(page.root.querySelector('.stop')?.getAttribute('data-stop'), 'ept-misconfig');
  });

  it('a 2 MiB guest page under EPT: 19 accesses, the PT row skipped, the data row translated', () => {
    const page = showWalk(hugePage(true));
    assert.deepEqual(numbers(page), Array.from({ length: 19 }, (_, i) => i + 1));
    assert.deepEqual([0, 1, 2, 3, 4].map((column) => cell(page, 3, column).classList.contains('skipped')), [true, true, true, true, true]);
    assert.deepEqual([0, 1, 2, 3].map((column) => cell(page, 4, column).dataset.number), ['16', '17', '18', '19']);
  });
});

describe('keyboard and form', () => {
  it('one cell is in the tab order; arrows, Home/End and N move focus through the grid', () => {
    const page = showWalk(twoDimensional(true));
    assert.equal(cells(page, '[tabindex="0"]').length, 1);
    cell(page, 0, 0).focus();
    let focused = press(page, 'ArrowRight');
    assert.equal(focused.dataset.number, '2');
    focused = press(page, 'ArrowDown');
    assert.equal(focused.dataset.number, '7');
    assert.equal(cells(page, '[tabindex="0"]').length, 1, 'roving tabindex');
    assert.equal(focused.tabIndex, 0);
    assert.equal(press(page, 'ArrowLeft').dataset.number, '6');
    assert.equal(press(page, 'ArrowUp').dataset.number, '1');
    assert.equal(press(page, 'ArrowUp').dataset.number, '1', 'stays at the edge');
    assert.equal(press(page, 'End').dataset.number, '5');
    assert.equal(press(page, 'n').dataset.number, '6', 'N: next access in walk order');
    assert.equal(press(page, 'N', { shiftKey: true }).dataset.number, '5');
    assert.equal(press(page, 'End', { ctrlKey: true }).classList.contains('data'), true);
  });

  it('a new walk (the next stop) keeps focus on the same cell and announces only the headline', () => {
    const page = showWalk(twoDimensional(true));
    cell(page, 1, 2).focus();
    page.send({ type: 'walk', target: { kind: 'rip' }, result: eptViolationAtPdpt() });
    const focused = page.dom.window.document.activeElement as HTMLElement;
    assert.equal(`${focused.dataset.row},${focused.dataset.column}`, '1,2');
    assert.ok(focused.classList.contains('stop'), 'the same position, now the stopping access');
    assert.equal(cells(page, '[tabindex="0"]').length, 1);
    const live = page.root.querySelectorAll('[role="status"], [aria-live]');
    assert.equal(live.length, 1, 'one live region');
    assert.equal(live[0]!.textContent, stopText(page));
    assert.equal(live[0]!.closest('#walk'), null, 'outside the redrawn grid');
  });

  it('Enter in the address field asks the host for that address; Follow RIP asks for rip', () => {
    const page = openPage();
    const input = page.root.querySelector('#address') as HTMLInputElement;
    input.value = '0x200000';
    (page.root.querySelector('#access') as HTMLSelectElement).value = 'write';
    input.dispatchEvent(new page.dom.window.KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    // jsdom does not submit implicitly on Enter: submit the form as the browser would.
    (page.root.querySelector('form') as HTMLFormElement).requestSubmit();
    (page.root.querySelector('#rip-button') as HTMLButtonElement).click();
    (page.root.querySelector('#cr2-button') as HTMLButtonElement).click();
    assert.deepEqual(page.posted.slice(1), [
      { type: 'requestWalk', address: '0x200000', access: 'write' },
      { type: 'requestWalk', address: 'rip', access: 'write' },
      { type: 'requestWalk', address: 'cr2', access: 'write' },
    ]);
    assert.deepEqual(
      ['', ' RIP ', 'cr2', '0x200000'].map((typed) => targetOf(typed, 'write')),
      [{ kind: 'rip' }, { kind: 'rip' }, { kind: 'cr2' }, { kind: 'address', address: '0x200000', access: 'write' }],
    );
    assert.ok(input.labels?.[0]?.textContent?.includes('Guest-virtual address'));
  });

  it('says what it needs when there is no walk', () => {
    const page = openPage();
    assert.deepEqual(page.posted, [{ type: 'ready', target: undefined }]);
    page.send({ type: 'unavailable', target: { kind: 'rip' }, reason: 'no Hyperscope debug session' });
    assert.equal(stopText(page), 'no Hyperscope debug session');
    assert.equal(page.rendered().layout, 'none');
    assert.equal(page.rendered().fromState, false);
  });
});

describe('state', () => {
  it('a webview loaded again redraws the last walk at once and tells the host its target', () => {
    const first = showWalk(eptViolationAtPdpt());
    const saved = first.saved();
    assert.ok(saved?.last && saved.target);
    const again = openPage(JSON.parse(JSON.stringify(saved)) as ViewState);
    assert.deepEqual(numbers(again), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(again.rendered().fromState, true, 'drawn before any host message');
    assert.equal((again.root.querySelector('#address') as HTMLInputElement).value, LINEAR);
    assert.deepEqual(again.posted.at(-1), { type: 'ready', target: { kind: 'address', address: LINEAR, access: 'read' } });
  });
});
