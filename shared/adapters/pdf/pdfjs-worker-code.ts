/**
 * pdf.js's worker code, which pdf.js runs on the reading thread in Node (its "fake worker") and
 * otherwise imports on the first document. The reader's worker thread loads it before reporting
 * ready, so that import is not counted in the first read's time limit.
 */
import 'pdfjs-dist/legacy/build/pdf.worker.mjs';
