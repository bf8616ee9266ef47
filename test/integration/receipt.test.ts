/**
 * Signed receipts on the local stack (issue 16), over real HTTP: a clerk's applied extract and a
 * rejected one each get a receipt once the sealer has sealed the decision — 409 before that —,
 * the receipt verifies offline with the public key alone (and fails with any byte changed),
 * another clerk gets 404, and the response conforms to the OpenAPI document.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { auditSealPorts } from '../../shared/composition/compose-audit.js';
import { uploaderSegment } from '../../shared/domain/extract-keys.js';
import { verifyReceipt } from '../../shared/domain/receipt.js';
import { openApiDocument } from '../../shared/http/openapi.js';
import { extractText, nationalNumber, pdfFromText, upload, waitForStatus, withStack } from './helpers.js';

const doc = openApiDocument() as {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
};

describe('signed receipts on the local stack', () => {
  let stack: Awaited<ReturnType<typeof withStack>>;
  let clerk: string;
  let otherClerk: string;
  let applied: string;
  let rejected: string;

  const receipt = async (intakeId: string, token = clerk) => {
    const res = await fetch(`${stack.state.apiUrl}/v1/intakes/${intakeId}/receipt`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    return { status: res.status, json: (await res.json()) as Record<string, string> };
  };

  before(async () => {
    stack = await withStack({ sealEveryMs: 0 });
    clerk = await stack.idp.issueToken({ role: 'clerk', sub: 'griffie-receipts' });
    otherClerk = await stack.idp.issueToken({ role: 'clerk', sub: 'griffie-other' });
    const mine = uploaderSegment('griffie-receipts');
    applied = await upload(
      await pdfFromText(
        extractText({
          ruling: '72001',
          rrn: nationalNumber('040506', 71, true),
          surname: 'Wouters',
          givenNames: 'Noor',
        }),
      ),
      mine,
    );
    rejected = await upload(
      await pdfFromText(extractText({ ruling: '72002', rrn: '85.07.30-033.29' })),
      mine,
    );
    assert.equal((await waitForStatus(applied)).status, 'APPLIED');
    const r = await waitForStatus(rejected);
    assert.equal(r.status, 'REJECTED');
    assert.equal(r.code, 'INVALID_RRN');
  });

  after(async () => {
    await stack?.dispose();
  });

  it('answers 409 while the decision is not sealed yet, then a receipt that verifies offline', async () => {
    const early = await receipt(applied);
    assert.equal(early.status, 409);
    assert.equal(early.json.code, 'NOT_SEALED_YET');
    await stack.seal();
    await new Promise((r) => setTimeout(r, 5200)); // the sealer leaves records younger than its 5 s grace
    await stack.seal();
    const pem = await (await auditSealPorts()).signer.publicKeyPem();
    for (const [id, outcome, code] of [
      [applied, 'APPLIED', undefined],
      [rejected, 'REJECTED', 'INVALID_RRN'],
    ] as const) {
      const res = await receipt(id);
      assert.equal(res.status, 200, JSON.stringify(res.json));
      const schema =
        doc.paths['/v1/intakes/{intakeId}/receipt']!.get!.responses['200']!.content!['application/json']!
          .schema;
      assert.ok(
        new Ajv2020({ strict: false }).validate(schema, res.json),
        'conforms to the OpenAPI document',
      );
      // The log key is the sealer's; the receipt key is another one (the server sends both).
      assert.equal(res.json.logPublicKeyPem, pem);
      assert.notEqual(res.json.publicKeyPem, pem);
      const keys = { receipt: res.json.publicKeyPem!, log: pem };
      const check = verifyReceipt(res.json.receipt!, keys);
      assert.ok(check.ok, 'reason' in check ? check.reason : '');
      assert.equal(check.payload.intakeId, id);
      assert.equal(check.payload.outcome, outcome);
      assert.equal(check.payload.code, code);
      assert.match(check.payload.sha256 ?? '', /^[0-9a-f]{64}$/);
      // The sealed decision record itself names the bytes decided (the proof binds them).
      assert.equal(
        (check.payload.auditRecord.details as { sha256?: string } | undefined)?.sha256,
        check.payload.sha256,
      );
      assert.doesNotMatch(JSON.stringify(check.payload), /Wouters|Noor|040506/);
      // One changed character anywhere fails.
      const jws = res.json.receipt!;
      for (const i of [3, jws.indexOf('.') + 40, jws.length - 2]) {
        const changed = jws.slice(0, i) + (jws[i] === 'A' ? 'B' : 'A') + jws.slice(i + 1);
        assert.equal(verifyReceipt(changed, keys).ok, false, `position ${i}`);
      }
    }
  });

  it('gives another clerk 404, and 404 for an unknown upload', async () => {
    assert.equal((await receipt(applied, otherClerk)).status, 404);
    assert.equal((await receipt('0nothing000-0000000000000000')).status, 404);
  });
});
