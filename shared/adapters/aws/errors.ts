import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';

/** A conditional write whose condition did not hold (also as plain error objects from other SDK copies). */
export const isConditionFailure = (e: unknown): boolean =>
  e instanceof ConditionalCheckFailedException ||
  (e as { name?: string })?.name === 'ConditionalCheckFailedException';
