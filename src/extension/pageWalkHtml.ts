// The visualizer's HTML shell (pure: no `vscode` import, tested in node). Strict CSP: no
// default sources, the script and the stylesheet only by nonce and the webview's own
// resource origin; everything the page shows is built by dist/webview.js.
import { randomBytes } from 'node:crypto';

export interface PageWalkHtmlParts {
  /** `webview.cspSource`. */
  cspSource: string;
  /** `webview.asWebviewUri` of dist/webview.js and media/pageWalk.css. */
  scriptUri: string;
  styleUri: string;
  nonce?: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64url');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${cspSource} 'nonce-${nonce}'; font-src ${cspSource}`;
}

export function pageWalkHtml(parts: PageWalkHtmlParts): string {
  const nonce = parts.nonce ?? makeNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(parts.cspSource, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${parts.styleUri}">
<title>Page Walk</title>
</head>
<body>
<main id="app"></main>
<script nonce="${nonce}" src="${parts.scriptUri}"></script>
</body>
</html>`;
}
