/** Cognito pre-token-generation trigger (V2): the institution claim of a person, in the ID and access token. */
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { institutionClaims } from '../../shared/use-cases/institution-claim.js';

export async function handler(
  event: PreTokenGenerationV2TriggerEvent,
): Promise<PreTokenGenerationV2TriggerEvent> {
  const claims = institutionClaims(event.request.userAttributes);
  if (Object.keys(claims).length === 0) return event;
  event.response = {
    claimsAndScopeOverrideDetails: {
      idTokenGeneration: { claimsToAddOrOverride: claims },
      accessTokenGeneration: { claimsToAddOrOverride: claims },
    },
  };
  return event;
}
