/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Entry of dist/webview.js, the page-walk visualizer's script (loaded with the CSP nonce).
import { mount } from './app';
import type { WebviewApi } from './state';

declare function acquireVsCodeApi(): WebviewApi;

const root = document.getElementById('app');
if (root) mount(root, acquireVsCodeApi());
