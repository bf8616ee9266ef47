/** The institution claim a Cognito person's tokens carry (pre-token-generation trigger, V2). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { handler } from '../../functions/pre-token/handler.js';
import { defaultRegister } from '../../shared/domain/institutions.js';
import { institutionClaims } from '../../shared/use-cases/institution-claim.js';

const known = defaultRegister.institutions[0]!.code;

function event(userAttributes: Record<string, string>): PreTokenGenerationV2TriggerEvent {
  return {
    version: '2',
    triggerSource: 'TokenGeneration_Authentication',
    region: 'eu-central-1',
    userPoolId: 'eu-central-1_x',
    userName: 'u1',
    callerContext: { awsSdkVersion: '1', clientId: 'console' },
    request: { userAttributes, groupConfiguration: { groupsToOverride: ['institution'] }, scopes: [] },
    response: { claimsAndScopeOverrideDetails: {} },
  } as unknown as PreTokenGenerationV2TriggerEvent;
}

describe('institution claim', () => {
  test('a registered code in custom:institution becomes the institution claim', () => {
    assert.deepEqual(institutionClaims({ sub: 'u1', 'custom:institution': known }), { institution: known });
  });

  test('an unknown code, a code of another case, or no attribute adds nothing', () => {
    assert.deepEqual(institutionClaims({ 'custom:institution': 'NOT-AN-INSTITUTION' }), {});
    assert.deepEqual(institutionClaims({ 'custom:institution': known.toLowerCase() + 'x' }), {});
    assert.deepEqual(institutionClaims({ 'custom:institution': '' }), {});
    assert.deepEqual(institutionClaims({ sub: 'u1', email: 'a@b.be' }), {});
  });

  test('the trigger adds it to the ID and the access token', async () => {
    const out = await handler(event({ 'custom:institution': known }));
    assert.deepEqual(out.response.claimsAndScopeOverrideDetails, {
      idTokenGeneration: { claimsToAddOrOverride: { institution: known } },
      accessTokenGeneration: { claimsToAddOrOverride: { institution: known } },
    });
  });

  test('the trigger adds nothing for an unknown code', async () => {
    const out = await handler(event({ 'custom:institution': 'XX' }));
    assert.deepEqual(out.response.claimsAndScopeOverrideDetails, {});
  });
});
