/**
 * The bodies of `/v1` as zod schemas: the one definition of the API's shapes. The TypeScript types
 * are inferred from them (the use cases' signatures name these types, so the compiler holds them
 * to the schemas), the OpenAPI document (shared/http/openapi.ts) is generated from them (the API
 * tests validate every response against it), and the request bodies are parsed with them.
 *
 * The console imports only the types (`import type`, web/src/types.ts), so zod never lands in the
 * browser bundle. Imports nothing but zod, pure domain constants and type-only modules.
 */
import * as z from 'zod';
import type { ChainVerification } from '../domain/audit-types.js';
import { DEAD_LETTER_QUEUES, REDRIVE_STATES, type RedriveResult } from '../domain/dead-letters.js';
import { PURPOSES } from '../domain/purposes.js';
import { PROBLEM_KINDS } from './problem-kinds.js';
import type { AuditRecord as StoredAuditRecord, IntakeState } from '../ports/index.js';

/** A text in both languages. */
export const message = z.object({ nl: z.string(), en: z.string() });

/** Every error: `{ code, message: { nl, en } }`. */
export const errorSchema = z.object({ code: z.string(), message });
export type ErrorBody = z.infer<typeof errorSchema>;

/** A page of a list: `items`, and the cursor of the next page while there is one. */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), next: z.string().optional().describe('cursor of the next page') });
export type Page<T> = z.infer<ReturnType<typeof pageSchema<z.ZodType<T>>>>;

const INTAKE_STATES = [
  'AWAITING_UPLOAD',
  'RECEIVED',
  'APPLIED',
  'DUPLICATE',
  'REJECTED',
  'HELD',
] as const satisfies readonly IntakeState[];
/** Compile-time checks that a schema and a core type describe the same values (`true` or an error). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
/** Every intake state is listed. */
export type IntakeStatesListed = Holds<Same<(typeof INTAKE_STATES)[number], IntakeState>>;

/** An upload as its clerk sees it (`GET /v1/extracts`, `GET /v1/extracts/{intakeId}`). */
export const publicStatusSchema = z.object({
  intakeId: z.string(),
  status: z.enum(INTAKE_STATES),
  receivedAt: z.string(),
  updatedAt: z.string(),
  code: z.string().optional(),
  field: z.string().optional(),
  message: message.optional(),
  rulingNumber: z.string().optional(),
  /** SHA-256 of the file this status decided on (the clerk can compare it with their PDF). */
  sha256: z.string().optional(),
  /** Set on a second (third…) file posted under an upload's key: that upload's id. */
  parentIntakeId: z.string().optional(),
  /** RECEIVED while intake is paused (protocol art. 8): waiting, nothing to do for the clerk. */
  paused: z.boolean().optional(),
});
export type PublicStatus = z.infer<typeof publicStatusSchema>;

/**
 * `GET /v1/intakes/{intakeId}/receipt`: the signed receipt of a final outcome, a compact JWS
 * (ES256; payload: `shared/domain/receipt.ts`), and the two public keys that verify it offline —
 * the receipt key (the JWS) and the audit log's key (the tree head in its proof). Pin the keys you
 * were given out of band; these copies are a convenience.
 */
export const receiptSchema = z.object({
  intakeId: z.string(),
  receipt: z
    .string()
    .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/)
    .describe('compact JWS (ES256), typ ruling-intake-receipt+jws'),
  publicKeyPem: z.string().describe('the receipt key (SPKI PEM): verifies the JWS'),
  logPublicKeyPem: z.string().describe("the audit log's key (SPKI PEM): verifies the proof's tree head"),
});
export type Receipt = z.infer<typeof receiptSchema>;

const personNameSchema = z.object({ surname: z.string(), givenNames: z.string() });
/** A held extract as the operator reviews it: the ruling, the masked number, names read vs registered. */
export const heldItemSchema = publicStatusSchema.extend({
  review: z
    .object({
      rulingNumber: z.string(),
      docket: z.string(),
      rulingDate: z.string(),
      nationalNumber: z.string(),
      lines: z.array(
        z.object({
          academicYear: z.string(),
          institution: z.string(),
          programme: z.string(),
          requested: z.number().int(),
          returned: z.number().int(),
        }),
      ),
      nameRead: personNameSchema.optional(),
      nameRegistered: personNameSchema.optional(),
      /** A scan: the pages whose image can be fetched (`GET /v1/admin/held/{intakeId}/pages/{page}`). */
      pageImages: z.array(z.number().int().min(1)).optional(),
    })
    .optional(),
});
export type HeldItem = z.infer<typeof heldItemSchema>;

/** The image of one page of a held scan, as a `data:` URL (the console's CSP allows only those). */
export const heldPageSchema = z.object({
  intakeId: z.string(),
  page: z.number().int().min(1),
  contentType: z.literal('image/png'),
  dataUrl: z.string().startsWith('data:image/png;base64,'),
});
export type HeldPage = z.infer<typeof heldPageSchema>;

/** `POST /v1/extracts`: the intake id and the presigned POST for the PDF. */
export const createUploadSchema = z.object({
  intakeId: z.string(),
  upload: z.object({ url: z.string(), fields: z.record(z.string(), z.string()) }),
  expiresAt: z.string(),
});
export type CreateUpload = z.infer<typeof createUploadSchema>;

/** One applied correction of a student's learning credit. */
export const correctionSchema = z.object({
  rulingNumber: z.string(),
  rulingDate: z.string(),
  academicYear: z.string(),
  institution: z.string(),
  programme: z.string(),
  requested: z.number().int(),
  returned: z.number().int(),
});
export type Correction = z.infer<typeof correctionSchema>;

/** `GET /v1/students/{nationalNumber}/learning-credit`. */
export const creditViewSchema = z.object({
  nationalNumber: z.string().describe('masked, e.g. 85.07.30-xxx.28'),
  balance: z.number().int(),
  openingBalance: z.number().int(),
  corrections: z.array(correctionSchema),
});
export type CreditView = z.infer<typeof creditViewSchema>;

/** `POST /v1/learning-credit:batchGet`: the request. */
export const batchGetRequestSchema = z.object({
  purpose: z.enum(PURPOSES),
  nationalNumbers: z.array(z.string().min(1).max(40)).min(1).max(100),
});
export type BatchGetRequest = z.infer<typeof batchGetRequestSchema>;

/** One result of `POST /v1/learning-credit:batchGet`. */
export const batchItemSchema = z.union([
  z.object({ nationalNumber: z.string(), status: z.literal('FOUND'), credit: creditViewSchema }),
  z.object({ nationalNumber: z.string(), status: z.literal('NOT_FOUND') }),
  z.object({ nationalNumber: z.string(), status: z.literal('INVALID'), code: z.literal('INVALID_RRN') }),
]);
export type BatchItem = z.infer<typeof batchItemSchema>;
export const batchGetResponseSchema = z.object({ results: z.array(batchItemSchema) });

/** `PUT /v1/students/{nationalNumber}/enrolments/{academicYear}`: 201 when new, 200 when known. */
export const enrolmentDeclaredSchema = z.object({
  institution: z.string(),
  academicYear: z.string(),
  created: z.boolean(),
});
export type EnrolmentDeclared = z.infer<typeof enrolmentDeclaredSchema>;

/** `POST /v1/admin/imports/*`: what an import did, and each refused line with its reason. */
export const importReportSchema = z.object({
  lines: z.number().int(),
  accepted: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  refused: z.array(z.object({ line: z.number().int(), code: z.string(), message })),
});
export type ImportReport = z.infer<typeof importReportSchema>;

/** `PUT /v1/admin/intake`: the request. */
export const setIntakeRequestSchema = z.object({ state: z.enum(['running', 'paused']) });

/**
 * `GET`/`PUT /v1/admin/intake`: the pause switch, and the queue counts (approximate on AWS): the
 * intake queue's `visible`, `inFlight`, `delayed`, and the dead letters (`deadLetters` of the
 * intake, `webhookDeadLetters`). A `PUT` that set the switch answers without counts when they
 * cannot be read at that moment.
 */
export const intakeSwitchSchema = z.object({
  state: setIntakeRequestSchema.shape.state,
  queue: z.record(z.string(), z.number()).optional(),
});
export type IntakeSwitch = z.infer<typeof intakeSwitchSchema>;

/** `POST /v1/admin/dead-letters/{queue}:redrive`: what the redrive did (see `RedriveResult`). */
export const redriveResultSchema = z.object({
  queue: z.enum(DEAD_LETTER_QUEUES),
  state: z.enum(REDRIVE_STATES),
  messages: z.number().int(),
}) satisfies z.ZodType<RedriveResult>;
export type { RedriveResult };

/** `POST /v1/admin/held/{intakeId}:reject`: the request. */
export const rejectHeldRequestSchema = z.object({ reason: z.string().max(500).optional() });

/** `GET /v1/admin/held`. */
export const heldListSchema = z.object({ items: z.array(publicStatusSchema) });

/** One access record: who, what, when, about whom (pseudonym), why, outcome. */
export const auditRecordSchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.object({
    id: z.string(),
    role: z.enum(['clerk', 'institution', 'auditor', 'operator', 'student', 'service']),
    institution: z.string().optional(),
  }),
  onBehalfOf: z.string().optional(),
  action: z.string(),
  subject: z.string().optional().describe('pseudonym of the person concerned'),
  purpose: z.string(),
  outcome: z.string(),
  requestId: z.string(),
  details: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});
export type AuditRecord = z.infer<typeof auditRecordSchema>;
/** The audit log's records and this schema describe the same object. */
export type AuditRecordAgrees = Holds<Same<AuditRecord, StoredAuditRecord>>;

/**
 * `GET /v1/audit/events`: a page of records, newest first, and — on every page, for the unfiltered
 * and the institution-only views over whole UTC days — how many records the period holds, from the
 * sealer's cumulative counters (two point reads, whatever the log holds). Records newer than
 * `countedUpTo` (the last minute or so, not yet sealed) are not in `total`. No `total` for any
 * other filter (subject, actor, action, outcome, part of a day), nor before the counters cover the
 * log: never a number that is not the count.
 */
export const auditEventsPageSchema = pageSchema(auditRecordSchema).extend({
  total: z.number().int().min(0).optional().describe('records in the period, up to countedUpTo'),
  countedUpTo: z.string().optional().describe('every record up to this instant is in total'),
});
export type AuditEventsPage = z.infer<typeof auditEventsPageSchema>;

const chainProblemSchema = z.object({
  kind: z.enum(PROBLEM_KINDS),
  recordId: z.string().optional(),
  checkpoint: z.number().int().optional(),
  detail: z.string(),
});

const treeHeadRefSchema = z
  .object({ sequence: z.number().int(), size: z.number().int(), root: z.string() })
  .readonly();

/** `GET /v1/audit/verify`: the chain check plus the public key that signed the checkpoints. */
export const verificationSchema = z.object({
  ok: z.boolean(),
  checkedRecords: z.number().int(),
  checkedCheckpoints: z.number().int(),
  pending: z.number().int(),
  problems: z.array(chainProblemSchema),
  firstProblem: chainProblemSchema.nullable(),
  problemsOutsideRange: z.number().int(),
  latestSequence: z.number().int().nullable(),
  sealedUpTo: z.string().nullable(),
  expired: z.number().int(),
  incremental: z
    .object({
      fromHead: treeHeadRefSchema.nullable(),
      toHead: treeHeadRefSchema.nullable(),
      consistencyProof: z.array(z.string()).readonly(),
      newCheckpoints: z.number().int(),
      windowCheckpoints: z.number().int(),
    })
    .readonly()
    .optional(),
  publicKeyPem: z.string(),
});
export type Verification = z.infer<typeof verificationSchema>;
/** `GET`/`POST /v1/audit/verify/full`: the full re-verification's progress and last signed result. */
export const fullVerificationStatusSchema = z.object({
  status: z.enum(['idle', 'requested', 'running']),
  /** POST only: whether this call started a job (false: one was already in progress). */
  requested: z.boolean().optional(),
  progress: z
    .object({
      requestedAt: z.string(),
      startedAt: z.string().optional(),
      nextSequence: z.number().int(),
      untilSequence: z.number().int().optional(),
      checkedCheckpoints: z.number().int(),
      checkedRecords: z.number().int(),
      problemCount: z.number().int(),
    })
    .optional(),
  lastResult: z
    .object({
      result: z.record(z.string(), z.unknown()),
      /** Base64 DER ECDSA P-256 over the result's canonical JSON, by the checkpoint signing key. */
      signature: z.string(),
      /** Checked by the server with the public key; check it yourself with `publicKeyPem`. */
      signatureValid: z.boolean(),
    })
    .nullable(),
  publicKeyPem: z.string(),
});
export type FullVerificationStatus = z.infer<typeof fullVerificationStatusSchema>;

/** The audit chain's own report and this schema describe the same object. */
export type VerificationAgrees = Holds<Same<Omit<Verification, 'publicKeyPem'>, ChainVerification>>;
export type { ChainProblem, ChainVerification, ProblemKind } from '../domain/audit-types.js';

/** A ledger entry as a data subject sees it: everything but the pseudonym. */
const subjectLedgerEntrySchema = z.looseObject({
  ...correctionSchema.shape,
  docket: z.string(),
  lineNumber: z.number().int(),
  extractSha256: z.string(),
  intakeId: z.string(),
  appliedAt: z.string(),
});

/**
 * `GET /v1/audit/subjects/{nationalNumber}` (GDPR art. 15): the registered name, the balance, every
 * ledger entry and enrolment about the person and every access to their data — pseudonyms left out.
 * The entries are open objects: what the ledger stores about the person is all given.
 */
export const subjectReportSchema = z.object({
  nationalNumber: z.string(),
  known: z.boolean(),
  name: z.object({ surname: z.string(), givenNames: z.string() }).optional(),
  balance: z.number().int().optional(),
  openingBalance: z.number().int().optional(),
  ledgerEntries: z.array(subjectLedgerEntrySchema),
  enrolments: z.array(
    z.looseObject({
      institution: z.string(),
      academicYear: z.string(),
      source: z.enum(['import', 'declared']),
      by: z.string(),
      at: z.string(),
    }),
  ),
  accesses: z.array(auditRecordSchema.omit({ subject: true }).loose()),
});
export type SubjectReport = z.infer<typeof subjectReportSchema>;

/** `GET /v1/audit/chart`: consultations per institution per UTC day (`-`: actors without one). */
export const auditChartSchema = z.object({
  days: z.array(z.string()),
  counts: z.array(
    z.object({
      day: z.string(),
      institution: z.string(),
      allowed: z.number().int(),
      denied: z.number().int(),
    }),
  ),
  /** The sealer has counted the records up to this instant (null before its first run). */
  countedUpTo: z.string().nullable(),
});
export type AuditChart = z.infer<typeof auditChartSchema>;

/**
 * `GET /v1/audit/alerts`: per institution and UTC day, the counters above their threshold —
 * self-declared enrolments, reads of students visible only by such a declaration (not DHO),
 * denied attempts — from the sealer's per-day counters.
 */
export const auditAlertsSchema = z.object({
  days: z.array(z.string()),
  alerts: z.array(
    z.object({
      day: z.string(),
      institution: z.string(),
      kind: z.enum(['self-declared-enrolments', 'non-dho-reads', 'denied-attempts']),
      count: z.number().int(),
      threshold: z.number().int(),
    }),
  ),
  thresholds: z.object({
    'self-declared-enrolments': z.number().int(),
    'non-dho-reads': z.number().int(),
    'denied-attempts': z.number().int(),
  }),
  /** The sealer has counted the records up to this instant (null before its first run). */
  countedUpTo: z.string().nullable(),
});
export type AuditAlerts = z.infer<typeof auditAlertsSchema>;

/** One access to the student's data as the student sees it: who (institution or role), when, why, outcome. */
export const myAccessSchema = z.object({
  at: z.string(),
  /** The kind of actor: an institution, a registry clerk, an auditor, an operator, the service. */
  actorRole: z.string(),
  institution: z.string().optional(),
  action: z.string(),
  purpose: z.string(),
  outcome: z.string(),
});
export type MyAccess = z.infer<typeof myAccessSchema>;

/**
 * `GET /v1/me` (role `student`): the caller's own record — their number (unmasked: it is theirs),
 * balance, the rulings applied to them, and one page of the accesses to their data, newest first.
 */
export const myRecordSchema = z.object({
  nationalNumber: z.string(),
  known: z.boolean(),
  balance: z.number().int().optional(),
  openingBalance: z.number().int().optional(),
  rulings: z.array(correctionSchema),
  accesses: z.array(myAccessSchema),
  /** Cursor of the next (older) page of accesses. */
  next: z.string().optional(),
});
export type MyRecord = z.infer<typeof myRecordSchema>;

/** One change in an institution's feed: a ruling changed the credit of a student it sees. */
export const changeSchema = z.object({
  /** This item's position: `after=<cursor>` resumes behind it. */
  cursor: z.string(),
  /**
   * Masked (`85.07.30-xxx.28`); in full (11 digits) when the feed was read with `purpose`, each
   * student shown audited with it. An entry kept from before full numbers were stored stays masked.
   */
  nationalNumber: z.string(),
  rulingNumber: z.string(),
  /** The latest academic year the ruling gives credits back for. */
  academicYear: z.string(),
  lines: z.array(z.object({ academicYear: z.string(), credits: z.number().int() })),
  /** The change in the balance (credits given back). */
  delta: z.number().int(),
  changedAt: z.string(),
});
export type Change = z.infer<typeof changeSchema>;

/**
 * `GET /v1/changes` (role `institution`): the caller's feed, oldest first after `after`. `next` is
 * always the position to poll from next time (the last item's cursor, or `after` when nothing is
 * new); `more` says whether another page is waiting now.
 */
export const changesPageSchema = z.object({
  items: z.array(changeSchema),
  next: z.string().optional(),
  more: z.boolean(),
});
export type ChangesPage = z.infer<typeof changesPageSchema>;

/** `GET /v1/changes/webhook-key`: what verifies the webhook notifications (issue 16). */
export const webhookKeySchema = z.object({
  publicKeyPem: z
    .string()
    .describe('the webhook key (SPKI PEM, EC P-256): verifies the JWS of each notification'),
  kid: z.string().describe("the key's RFC 7638 thumbprint: the `kid` of every notification's header"),
});
export type WebhookKey = z.infer<typeof webhookKeySchema>;
