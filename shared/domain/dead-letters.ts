/**
 * Dead letters an operator can see and put back (issue 16): messages a queue gave up on after its
 * retries — an extract the intake could not process (an outage, a bug), a webhook notification a
 * receiver refused. Nothing in them is personal data (an object key, a feed cursor).
 */

/** The queues with a dead-letter queue, by the name the API and the CLI use. */
export const DEAD_LETTER_QUEUES = ['intake', 'webhooks'] as const;
export type DeadLetterQueue = (typeof DEAD_LETTER_QUEUES)[number];

export function isDeadLetterQueue(value: string): value is DeadLetterQueue {
  return (DEAD_LETTER_QUEUES as readonly string[]).includes(value);
}

/** The queue count (`GET /v1/admin/intake`'s `queue`) that holds each queue's dead letters. */
export const DEAD_LETTER_COUNT: Readonly<Record<DeadLetterQueue, string>> = {
  intake: 'deadLetters',
  webhooks: 'webhookDeadLetters',
};

/**
 * What a redrive did: nothing to move (`EMPTY`); moved at once (`MOVED`, the local queue); a move
 * started that runs on (`STARTED`, an SQS message move task); one already running (`RUNNING`,
 * nothing new started). `messages`: how many it moves (approximate on AWS).
 */
export const REDRIVE_STATES = ['EMPTY', 'MOVED', 'STARTED', 'RUNNING'] as const;
export type RedriveState = (typeof REDRIVE_STATES)[number];

export interface RedriveResult {
  readonly queue: DeadLetterQueue;
  readonly state: RedriveState;
  readonly messages: number;
}
