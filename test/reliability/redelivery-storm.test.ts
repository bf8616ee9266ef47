/**
 * Redelivery storm: S3 and SQS deliver at least once, so every message of a 200-extract run is
 * delivered 1 to 4 times, in random order (duplicates sometimes in one batch, processed at the
 * same moment). The effect must be exactly once: each balance exact, each extract applied once,
 * deleted once and only after its outcome was recorded, every status complete, nothing in the
 * dead-letter list — and nothing personal in what the run wrote.
 *
 * Crash injection after every intake step (then redelivery) is in test/integration/intake.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { intakeDeps } from '../../shared/composition/compose-intake.js';
import { extractKey } from '../../shared/config/resources.js';
import { s3EventBody } from '../../shared/adapters/aws/s3-event.js';
import {
  balanceOf,
  captureOutput,
  extractExists,
  extractText,
  nationalNumber,
  pdfFromText,
  upload,
  withStack,
} from '../integration/helpers.js';
import {
  countingExtracts,
  seededRandom,
  shuffle,
  statusText,
  syntheticSurname,
  type DeleteRecord,
} from './helpers.js';
import { PersonalData } from './privacy.js';

const output = captureOutput();
const people = new PersonalData();

const EXTRACTS = 200;
const STUDENTS = 40;

describe('redelivery storm on the local stack', () => {
  let stack: Awaited<ReturnType<typeof withStack>>;
  const deletes = new Map<string, DeleteRecord>();

  before(async () => {
    stack = await withStack({
      sealEveryMs: 0,
      retryDelayMs: 50,
      overrideDeps: (deps) => ({ ...deps, extracts: countingExtracts(deps.extracts, deletes) }),
    });
  });

  after(async () => {
    await stack?.dispose();
  });

  it(`applies each of ${EXTRACTS} extracts exactly once when every message arrives 1–4 times in random order`, async () => {
    const rand = seededRandom('redelivery storm');
    const students = Array.from({ length: STUDENTS }, (_, s) => ({
      rrn: nationalNumber(`9703${String(1 + (s % 28)).padStart(2, '0')}`, 300 + s),
      surname: syntheticSurname('Stormhaver', s),
      givenNames: 'Wendeline Aurore',
    }));
    students.forEach((p) => people.person(p));
    const extracts = Array.from({ length: EXTRACTS }, (_, i) => ({
      student: students[i % STUDENTS]!,
      ruling: String(70_000 + i),
      returned: 1 + (i % 7),
      copies: 1 + rand.int(4),
    }));
    const pdfs = new Map<number, Uint8Array>();
    for (let i = 0; i < EXTRACTS; i++) {
      const e = extracts[i]!;
      pdfs.set(
        i,
        await pdfFromText(
          extractText({
            ruling: e.ruling,
            rrn: e.student.rrn,
            surname: e.student.surname,
            givenNames: e.student.givenNames,
            lines: [
              {
                year: '2023-2024',
                inst: 'KU Leuven',
                prog: 'Master in de rechten',
                req: 10,
                ret: e.returned,
              },
            ],
          }),
        ),
      );
    }

    // Every delivery, shuffled. The first occurrence of an extract uploads it (s3rver's event is
    // its first message); every later one is the same S3 event body sent to the queue again.
    const plan = shuffle(
      extracts.flatMap((e, i) => Array.from({ length: e.copies }, () => i)),
      rand.next,
    );
    const ids = new Map<number, string>();
    stack.queue.pause();
    for (const i of plan) {
      const id = ids.get(i);
      if (id === undefined) ids.set(i, await upload(pdfs.get(i)!));
      else await stack.queue.send(s3EventBody(stack.state.bucket, extractKey('griffie-test', id)));
    }
    // s3rver's events arrive asynchronously: wait until every planned delivery is queued.
    for (let t = Date.now(); stack.queue.stats().visible < plan.length;) {
      assert.ok(
        Date.now() - t < 30_000,
        `seed ${rand.seed}: only ${stack.queue.stats().visible} of ${plan.length} queued`,
      );
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(stack.queue.stats().visible, plan.length, `seed ${rand.seed}: extra deliveries queued`);
    stack.queue.resume();
    await stack.queue.drain(240_000);

    const deps = await intakeDeps();
    const why = `seed ${rand.seed}`;
    assert.equal(stack.queue.stats().deadLetters, 0, `${why}: dead letters`);
    const statuses = await Promise.all([...ids.values()].map((id) => deps.statuses.get(id)));
    for (const s of statuses) {
      assert.equal(s?.status, 'APPLIED', `${why}: ${s?.intakeId} is ${s?.status} ${s?.code ?? ''}`);
      assert.equal(s?.extractDeleted, true, `${why}: ${s?.intakeId} not marked deleted`);
    }
    for (const [i, id] of ids) {
      assert.equal(await extractExists(id), false, `${why}: extract ${i} still in the bucket`);
      const d = deletes.get(extractKey('griffie-test', id));
      assert.ok(d, `${why}: extract ${i} never deleted`);
      assert.equal(d.removed, 1, `${why}: extract ${i} removed ${d.removed} times (${d.calls} delete calls)`);
      for (const st of d.statusesAtDelete)
        assert.ok(st === 'APPLIED' || st === 'DUPLICATE', `${why}: extract ${i} deleted while ${st}`);
    }
    for (const p of students) {
      const mine = extracts.filter((e) => e.student === p);
      assert.equal(
        await balanceOf(p.rrn),
        140 + mine.reduce((n, e) => n + e.returned, 0),
        `${why}: balance of a student with ${mine.length} rulings`,
      );
      const entries = await deps.ledger.listEntries(await deps.keys.mac('pseudonym', p.rrn));
      assert.deepEqual(
        entries.map((e) => e.rulingNumber).sort(),
        mine.map((e) => e.ruling).sort(),
        `${why}: one ledger entry per ruling`,
      );
    }
    const idSet = new Set(ids.values());
    const records = (await deps.audit.list()).filter((r) => idSet.has(String(r.details?.intakeId)));
    assert.equal(records.length, EXTRACTS, `${why}: one audit record per extract`);
    assert.ok(
      records.every((r) => r.outcome === 'APPLIED'),
      `${why}: outcomes ${[...new Set(records.map((r) => r.outcome))].join(', ')}`,
    );
    const duplicates = plan.length - EXTRACTS;
    assert.ok(duplicates > EXTRACTS / 2, `${why}: the storm had ${duplicates} redeliveries`);
    const noOpDeletes = [...deletes.values()].reduce((n, d) => n + d.calls - d.removed, 0);
    process.stderr.write(
      `[reliability] storm: ${plan.length} deliveries of ${EXTRACTS} extracts; ${noOpDeletes} deletes by concurrent duplicate deliveries found the extract already gone\n`,
    );

    // Privacy: logs, statuses and anything else this run wrote.
    const found = people.findIn(`${output.text()}\n${statusText(await deps.statuses.list())}`);
    assert.deepEqual(found, [], `${why}: personal data written during the storm`);
  });
});
