/**
 * Work limits, not wall-clock (issue 12): each hostile PDF of test/fixtures/hostile.ts ends as
 * PDF_TOO_COMPLEX (deterministic counts on the file, the worker's heap limit, the CPU time of its
 * thread) and none is applied; a valid extract is still accepted while both cores are saturated
 * by busy processes.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, it } from 'node:test';
import { parseExtract } from '../../shared/adapters/pdf/pdfjs-reader.js';
import { countWork } from '../../shared/adapters/pdf/work-limits.js';
import { exampleSpec, renderExtract } from '../fixtures/extract-pdf.js';
import { HOSTILE_KINDS, hostilePdf } from '../fixtures/hostile.js';

describe('hostile PDFs and a busy machine', () => {
  for (const kind of HOSTILE_KINDS) {
    it(`rejects the ${kind} as PDF_TOO_COMPLEX`, async () => {
      const r = await parseExtract(hostilePdf(kind));
      assert.equal(r.ok, false);
      assert.equal(r.ok ? '' : r.error.code, 'PDF_TOO_COMPLEX', r.ok ? '' : r.error.messages.en);
    });
  }

  it('counts the deterministic limits on the bytes alone, the same every time', () => {
    assert.deepEqual(countWork(hostilePdf('deep-nesting')), { exceeded: 'nesting' });
    assert.deepEqual(countWork(hostilePdf('operator-flood')), { exceeded: 'operators' });
    assert.deepEqual(countWork(hostilePdf('object-flood')), { exceeded: 'objects' });
    assert.deepEqual(countWork(hostilePdf('flate-bomb')), { exceeded: 'decoded bytes' });
    assert.deepEqual(countWork(hostilePdf('form-bomb')), { exceeded: 'operators' });
  });

  it('accepts a valid extract while both cores are saturated by busy processes', async () => {
    const bytes = await renderExtract(exampleSpec(), 'pdf-lib');
    const busy: ChildProcess[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        busy.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (let i = 0; i < 3; i++) {
        const r = await parseExtract(bytes);
        assert.ok(r.ok, r.ok ? '' : `${r.error.code}: ${r.error.messages.en}`);
      }
    } finally {
      for (const child of busy) child.kill('SIGKILL');
    }
  });
});
