// Tag "docs" (relaymq extension): the contract itself, served as the file it is (YAML) and as
// JSON for SDK generators and API tools, and a docs page rendering it in a browser. The page
// embeds the document and loads Redoc's standalone bundle from this server (the npm package
// `redoc`), so it works offline and behind firewalls. Each is read or built once.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import type { Handler } from './types.ts';
import { SPEC_PATH, specDocument, type SpecDocument } from './spec.ts';

let yaml: string | undefined;
let page: string | undefined;
let script: string | undefined;

export const get_openapi_yaml: Handler<'get_openapi_yaml'> = async () => (yaml ??= readFileSync(SPEC_PATH, 'utf8'));

export const get_openapi_json: Handler<'get_openapi_json'> = async () => specDocument() as unknown as Awaited<ReturnType<Handler<'get_openapi_json'>>>;

export const get_docs: Handler<'get_docs'> = async () => (page ??= docsPage(specDocument()));

export const get_docs_script: Handler<'get_docs_script'> = async () =>
  (script ??= readFileSync(createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js'), 'utf8'));

/** The script that starts Redoc on the embedded document. */
const INIT = "Redoc.init(JSON.parse(document.getElementById('spec').textContent), { expandResponses: '200' }, document.getElementById('redoc'));";

function docsPage(spec: SpecDocument): string {
  // Inside <script>, "</" could close the element early and "<!--" open a comment: escape both.
  const json = JSON.stringify(spec).replace(/</g, '\\u003c');
  const title = spec.info.title.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  // The page may load nothing from elsewhere (Redoc's footer links an image on its CDN): the
  // policy allows this server, the init script by its hash, Redoc's inline styles and its
  // search worker (a blob).
  const initHash = createHash('sha256').update(INIT).digest('base64');
  const csp = `default-src 'none'; script-src 'self' 'sha256-${initHash}'; style-src 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; worker-src blob:; connect-src 'self'`;
  // The script path is relative to this page (/api/v2/docs), so it also works behind a proxy prefix.
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="data:,">
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<div id="redoc"></div>
<script id="spec" type="application/json">${json}</script>
<script src="docs/redoc.standalone.js"></script>
<script>${INIT}</script>
</body>
</html>
`;
}
