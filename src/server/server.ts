// The language server: wires LSP requests to the pure features over one Analysis per
// document version. Diagnostics are debounced per document and re-run for documents that
// include a changed file.
import { TextDocuments, TextDocumentSyncKind } from 'vscode-languageserver';
import type { Connection, InitializeParams, InitializeResult } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { normalize } from 'node:path';
import { Analysis, parseCached, type SourceHost } from './analysis';
import { computeCompletion } from './completion';
import { computeDefinition } from './definition';
import { computeDiagnostics } from './diagnostics';
import { computeFolding } from './folding';
import { computeFormatting } from './formatting';
import { computeHover } from './hover';
import { fileToUri, listSourceFiles, readDiskFile, uriToFile } from './nodeHost';
import { computeReferences } from './references';
import { computeRename, prepareRename } from './rename';
import { computeSemanticTokens, semanticTokensLegend } from './semanticTokens';
import { documentSymbols, workspaceSymbols } from './symbols';

/** `initializationOptions` the server understands. */
export interface HvasmInitializationOptions {
  /** Quiet time after the last change before diagnostics run (default 150 ms). */
  diagnosticsDelayMs?: number;
  /** Extra directories searched for `%include`. */
  includePaths?: string[];
}

export const defaultDiagnosticsDelayMs = 150;

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const analyses = new Map<string, { version: number; analysis: Analysis }>();
  const timers = new Map<string, NodeJS.Timeout>();
  let delayMs = defaultDiagnosticsDelayMs;
  let workspaceRoots: string[] = [];
  const host: SourceHost = {
    readFile: (file) => documents.get(fileToUri(file))?.getText() ?? readDiskFile(file),
    includePaths: [],
  };

  const analysisOf = (uri: string): Analysis | undefined => {
    const document = documents.get(uri);
    if (document === undefined) return undefined;
    const cached = analyses.get(uri);
    if (cached?.version === document.version) return cached.analysis;
    const analysis = new Analysis(uriToFile(uri), document.getText(), host);
    analyses.set(uri, { version: document.version, analysis });
    return analysis;
  };

  const publish = (uri: string): void => {
    timers.delete(uri);
    const document = documents.get(uri);
    const analysis = analysisOf(uri);
    if (document === undefined || analysis === undefined) return;
    try {
      void connection.sendDiagnostics({ uri, version: document.version, diagnostics: computeDiagnostics(analysis, fileToUri) });
    } catch (error) {
      connection.console.error(`hvasm: diagnostics for ${uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  };

  const schedule = (uri: string, delay: number): void => {
    clearTimeout(timers.get(uri));
    timers.set(uri, setTimeout(() => publish(uri), delay));
  };

  connection.onInitialize((params: InitializeParams): InitializeResult => {
    const options = (params.initializationOptions ?? {}) as HvasmInitializationOptions;
    if (typeof options.diagnosticsDelayMs === 'number' && options.diagnosticsDelayMs >= 0) delayMs = options.diagnosticsDelayMs;
    const folderUris = params.workspaceFolders?.map((folder) => folder.uri) ?? (params.rootUri ? [params.rootUri] : []);
    workspaceRoots = folderUris.filter((uri) => uri.startsWith('file:')).map(uriToFile);
    host.includePaths = [...workspaceRoots, ...(options.includePaths ?? []).map((path) => normalize(path))];
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['.', '%'] },
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        semanticTokensProvider: { legend: semanticTokensLegend, full: true },
        foldingRangeProvider: true,
        documentFormattingProvider: true,
      },
      serverInfo: { name: 'hyperscope-hvasm' },
    };
  });

  // Opening a document shows its diagnostics at once; edits wait for a pause in typing.
  const opened = new Set<string>();
  documents.onDidChangeContent((event) => {
    const uri = event.document.uri;
    schedule(uri, opened.has(uri) ? delayMs : 0);
    opened.add(uri);
    const file = uriToFile(uri);
    for (const [other, cached] of analyses) {
      if (other === uri || !cached.analysis.assembled.files.includes(file)) continue;
      analyses.delete(other); // its includes changed: analyse again at the same version
      schedule(other, delayMs);
    }
  });
  documents.onDidClose((event) => {
    clearTimeout(timers.get(event.document.uri));
    timers.delete(event.document.uri);
    opened.delete(event.document.uri);
    analyses.delete(event.document.uri);
    void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
  });

  const withAnalysis = <T>(uri: string, empty: T, run: (analysis: Analysis) => T): T => {
    const analysis = analysisOf(uri);
    return analysis === undefined ? empty : run(analysis);
  };
  connection.onHover((params) => withAnalysis(params.textDocument.uri, null, (analysis) => computeHover(analysis, params.position)));
  connection.onCompletion((params) => withAnalysis(params.textDocument.uri, [], (analysis) => computeCompletion(analysis, params.position)));
  connection.onDefinition((params) => withAnalysis(params.textDocument.uri, [], (analysis) => computeDefinition(analysis, params.position, fileToUri)));
  connection.onReferences((params) => withAnalysis(params.textDocument.uri, [], (analysis) => computeReferences(analysis, params.position, params.context.includeDeclaration, fileToUri)));
  connection.onPrepareRename((params) => withAnalysis(params.textDocument.uri, null, (analysis) => prepareRename(analysis, params.position)));
  connection.onRenameRequest((params) => withAnalysis(params.textDocument.uri, null, (analysis) => computeRename(analysis, params.position, params.newName, fileToUri)));
  connection.onDocumentSymbol((params) => withAnalysis(params.textDocument.uri, [], (analysis) => documentSymbols(analysis.parsed, analysis.lines.length)));
  connection.onWorkspaceSymbol((params) => {
    const open = documents.all().flatMap((document) => withAnalysis(document.uri, [], (analysis) => analysis.allFiles()));
    const openFiles = new Set(open.map((parsed) => parsed.fileName));
    const onDisk = listSourceFiles(workspaceRoots)
      .filter((file) => !openFiles.has(file))
      .flatMap((file) => {
        const text = readDiskFile(file);
        return text === undefined ? [] : [parseCached(file, text)];
      });
    return workspaceSymbols([...open, ...onDisk], params.query, fileToUri);
  });
  connection.languages.semanticTokens.on((params) => withAnalysis(params.textDocument.uri, { data: [] }, (analysis) => computeSemanticTokens(analysis)));
  connection.onFoldingRanges((params) => withAnalysis(params.textDocument.uri, [], (analysis) => computeFolding(analysis)));
  connection.onDocumentFormatting((params) => withAnalysis(params.textDocument.uri, [], (analysis) => computeFormatting(analysis, params.options)));

  documents.listen(connection);
  connection.listen();
}
