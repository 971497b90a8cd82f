// The visualizer's HTML shell: a strict CSP whose nonce admits exactly its one script and
// stylesheet, resources only from the webview's own origin, a fresh nonce per page.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { JSDOM } from 'jsdom';
import { makeNonce, pageWalkHtml } from '../../src/extension/pageWalkHtml';

const parts = { cspSource: 'https://res.example.test', scriptUri: 'https://res.example.test/dist/webview.js', styleUri: 'https://res.example.test/media/pageWalk.css' };

describe('page-walk panel HTML', () => {
  it('declares default-src none and admits the script and stylesheet by nonce only', () => {
    const html = pageWalkHtml({ ...parts, nonce: 'N0nce' });
    const document = new JSDOM(html).window.document;
    const csp = document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '';
    assert.equal(csp, "default-src 'none'; script-src 'nonce-N0nce'; style-src https://res.example.test 'nonce-N0nce'; font-src https://res.example.test");
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    const scripts = [...document.querySelectorAll('script')];
    assert.equal(scripts.length, 1);
    assert.equal(scripts[0]!.getAttribute('nonce'), 'N0nce');
    assert.equal(scripts[0]!.getAttribute('src'), parts.scriptUri);
    assert.equal(scripts[0]!.textContent, '', 'no inline script');
    assert.equal(document.querySelector('link[rel="stylesheet"]')?.getAttribute('href'), parts.styleUri);
    assert.equal(document.querySelectorAll('style, [style]').length, 0, 'no inline styles');
    assert.ok(document.getElementById('app'));
  });

  it('makes a different nonce every time', () => {
    const nonces = new Set(Array.from({ length: 20 }, makeNonce));
    assert.equal(nonces.size, 20);
    for (const nonce of nonces) assert.match(nonce, /^[A-Za-z0-9_-]{24}$/);
  });
});
