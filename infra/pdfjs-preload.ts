/**
 * Injected by esbuild (`inject` in `infra/bundling.ts`) ahead of everything else in the intake
 * bundle, so that pdf.js — loaded by pdf-parse — works without `@napi-rs/canvas` and without a
 * separate worker file. Application code never imports this; it imports `pdf-parse` plainly.
 *
 * Order matters and ES module evaluation follows import order:
 * 1. `DOMMatrix`/`ImageData`/`Path2D` exist before pdf.js evaluates `new DOMMatrix()` at load.
 * 2. The pdf.js worker module is in the bundle and registers `globalThis.pdfjsWorker`. In Node,
 *    pdf.js runs its "worker" on the main thread and would otherwise `import()` a file
 *    `./pdf.worker.mjs` next to the bundle, which does not exist ("Setting up fake worker
 *    failed"). With `pdfjsWorker` set it uses the bundled copy.
 */
import './pdfjs-globals.js';
import 'pdfjs-dist/legacy/build/pdf.worker.mjs';
