/**
 * The webhooks in the deployment configuration (context `webhooks`, issue 16): checked at synth —
 * only codes of the institution register, only https URLs (no loopback http on AWS), within the
 * functions' 4 KB environment — and given to the relay and the delivery function only; without
 * it the queue, its dead-letter queue and the function deploy all the same.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { App } from 'aws-cdk-lib';
import { ConfigError, readDeployConfig } from '../../infra/config.js';
import { ENV, WEBHOOKS } from '../../shared/config/resources.js';
import { synthesize, view } from './stack-fixture.js';

const read = (webhooks: unknown) => readDeployConfig(new App({ context: { webhooks } }).node).webhooks;

describe('webhook configuration', () => {
  test('accepts register codes with https URLs, from -c (a string) or cdk.json (an object)', () => {
    assert.deepEqual(read('{"UGENT":"https://hooks.ugent.be/lc"}'), { UGENT: 'https://hooks.ugent.be/lc' });
    assert.deepEqual(read({ KUL: 'https://kuleuven.example/hooks?v=1' }), {
      KUL: 'https://kuleuven.example/hooks?v=1',
    });
    assert.deepEqual(readDeployConfig(new App().node).webhooks, {});
  });

  test('refuses an unknown code, http (loopback included), credentials in the URL, and a map too long for the environment', () => {
    assert.throws(() => read('{"NOPE":"https://x.example/"}'), ConfigError);
    assert.throws(() => read('{"UGENT":"http://hooks.ugent.be/"}'), /webhooks.*https/);
    assert.throws(() => read('{"UGENT":"http://127.0.0.1:9000/"}'), /https/);
    assert.throws(() => read('{"UGENT":"https://u:p@hooks.ugent.be/"}'), /credentials/);
    assert.throws(() => read('not json'), ConfigError);
    assert.throws(() => read({ UGENT: `https://hooks.ugent.be/${'a'.repeat(3000)}` }), /4 KB/);
  });

  test('the relay and the delivery function get the map; no other function does; the queue redrives after the configured receives', () => {
    const { stack, template } = synthesize('dev', { webhooks: '{"UGENT":"https://hooks.ugent.be/lc"}' });
    const { envOf, propsOf, id } = view(template);
    for (const fn of [stack.changeRelay, stack.webhookDelivery])
      assert.equal(envOf(fn)[ENV.webhookTargets], '{"UGENT":"https://hooks.ugent.be/lc"}', fn.name);
    for (const fn of stack.functions.filter((f) => f !== stack.changeRelay && f !== stack.webhookDelivery))
      assert.equal(envOf(fn)[ENV.webhookTargets], undefined, fn.name);
    const queue = propsOf(id(stack.storage.webhookQueue));
    assert.equal(
      (queue['RedrivePolicy'] as { maxReceiveCount: number }).maxReceiveCount,
      WEBHOOKS.maxReceives,
    );
    assert.equal(queue['VisibilityTimeout'], WEBHOOKS.visibilityTimeoutSeconds);
    assert.ok(queue['KmsMasterKeyId'], 'encrypted with the data key');
    const mapping = Object.values(view(template).resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::EventSourceMapping' &&
        JSON.stringify(r.Properties['FunctionName']).includes(id(stack.webhookDelivery.function)),
    )!;
    assert.equal(mapping.Properties['FunctionResponseTypes']?.toString(), 'ReportBatchItemFailures');
    assert.deepEqual(mapping.Properties['ScalingConfig'], { MaximumConcurrency: WEBHOOKS.maxConcurrency });
  });
});
