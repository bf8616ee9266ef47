/**
 * DBRC's seal in the deployment configuration: `signaturePolicy` and `signatureTrustAnchors` are
 * validated at synth and reach the intake function's environment (and only the intake's).
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { App } from 'aws-cdk-lib';
import { ConfigError, MAX_TRUST_ANCHOR_CHARS, readDeployConfig } from '../../infra/config.js';
import { ENV } from '../../shared/config/resources.js';
import { makeCa, testPki, type TestPki } from '../fixtures/signed-pdf.js';
import { synthesize, view } from './stack-fixture.js';

const read = (context: Record<string, unknown>) => readDeployConfig(new App({ context }).node).seal;

describe('seal configuration', () => {
  let pki: TestPki;
  before(async () => {
    pki = await testPki();
  });

  test('default: off; with trust anchors: verify-if-present; policies are checked', () => {
    assert.deepEqual(read({}), { policy: 'off' });
    const withAnchors = read({ signatureTrustAnchors: pki.ca.pem });
    assert.equal(withAnchors.policy, 'verify-if-present');
    assert.match(
      withAnchors.trustAnchors ?? '',
      /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=]+\n-----END CERTIFICATE-----\n$/,
    );
    assert.equal(read({ signatureTrustAnchors: pki.ca.pem, signaturePolicy: 'required' }).policy, 'required');
    assert.equal(read({ signatureTrustAnchors: pki.ca.pem, signaturePolicy: 'off' }).policy, 'off');
    assert.throws(() => read({ signaturePolicy: 'sometimes' }), ConfigError);
    assert.throws(() => read({ signaturePolicy: 'required' }), /needs signatureTrustAnchors/);
  });

  test('anchors must be readable CA certificates and fit the function environment', async () => {
    assert.throws(() => read({ signatureTrustAnchors: 'nothing here' }), /no PEM certificate/);
    assert.throws(
      () => read({ signatureTrustAnchors: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }),
      /cannot be read/,
    );
    assert.throws(() => read({ signatureTrustAnchors: pki.seal.pem }), /not a CA certificate/);
    const many: string[] = [];
    while (many.join('').length <= MAX_TRUST_ANCHOR_CHARS) {
      many.push((await makeCa({ cn: `CA ${many.length}` })).pem);
    }
    assert.throws(() => read({ signatureTrustAnchors: many.join('') }), /4 KB environment/);
  });

  test('the intake function gets the policy and anchors; no other function does', async () => {
    const { stack, template } = synthesize('dev', {
      signatureTrustAnchors: pki.ca.pem,
      signaturePolicy: 'required',
    });
    const { envOf } = view(template);
    const intake = envOf(stack.intake);
    assert.equal(intake[ENV.signaturePolicy], 'required');
    assert.match(String(intake[ENV.signatureTrustAnchors]), /BEGIN CERTIFICATE/);
    const api = stack.apiFunctions;
    for (const fn of [api.clerk, api.institution, api.audit, api.admin, stack.sealer, stack.opsCheck]) {
      assert.equal(envOf(fn)[ENV.signatureTrustAnchors], undefined);
    }
  });
});
