/**
 * The OpenAPI 3.1 description of `/v1`, built from the route table and zod schemas (JSON Schema
 * 2020-12, which OpenAPI 3.1 uses as is). The tests validate every response against it.
 */
import * as z from 'zod';
import {
  auditAlertsSchema,
  auditChartSchema,
  auditEventsPageSchema,
  changesPageSchema,
  webhookKeySchema,
  batchGetRequestSchema,
  batchGetResponseSchema,
  createUploadSchema,
  creditViewSchema,
  enrolmentDeclaredSchema,
  errorSchema,
  importReportSchema,
  intakeSwitchSchema,
  redriveResultSchema,
  pageSchema,
  heldItemSchema,
  heldPageSchema,
  publicStatusSchema,
  receiptSchema,
  rejectHeldRequestSchema,
  setIntakeRequestSchema,
  subjectReportSchema,
  myRecordSchema,
  verificationSchema,
  fullVerificationStatusSchema,
} from '../contract/api.js';
import { ROUTES, PURPOSES, type RouteDef, type RouteId } from '../config/routes.js';
import { DEAD_LETTER_QUEUES } from '../domain/dead-letters.js';

/** Success responses per route: status code → schema (every route has its entry). */
export const RESPONSES: Record<RouteId, Record<number, z.ZodType>> = {
  getOpenApi: { 200: z.looseObject({ openapi: z.string() }) },
  createUpload: { 201: createUploadSchema },
  listUploads: { 200: pageSchema(publicStatusSchema) },
  getUpload: { 200: publicStatusSchema },
  getReceipt: { 200: receiptSchema },
  getCredit: { 200: creditViewSchema },
  listChanges: { 200: changesPageSchema },
  getWebhookKey: { 200: webhookKeySchema },
  batchGetCredit: { 200: batchGetResponseSchema },
  declareEnrolment: { 200: enrolmentDeclaredSchema, 201: enrolmentDeclaredSchema },
  listAuditEvents: { 200: auditEventsPageSchema },
  auditChart: { 200: auditChartSchema },
  auditAlerts: { 200: auditAlertsSchema },
  proveAuditRecord: {
    200: z.object({
      recordId: z.string(),
      recordHash: z.string().regex(/^[0-9a-f]{64}$/),
      leafIndex: z.number().int().min(0),
      proof: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
      head: z.object({ sequence: z.number().int(), body: z.object({}).loose(), signature: z.string() }),
      publicKeyPem: z.string(),
    }),
  },
  verifyAudit: { 200: verificationSchema },
  startFullVerification: { 202: fullVerificationStatusSchema },
  getFullVerification: { 200: fullVerificationStatusSchema },
  subjectReport: { 200: subjectReportSchema },
  getMyRecord: { 200: myRecordSchema },
  setIntake: { 200: intakeSwitchSchema },
  getIntake: { 200: intakeSwitchSchema },
  redriveDeadLetters: { 200: redriveResultSchema },
  listHeld: { 200: pageSchema(heldItemSchema) },
  getHeldPage: { 200: heldPageSchema },
  approveHeld: { 202: publicStatusSchema },
  rejectHeld: { 200: publicStatusSchema },
  importBalances: { 200: importReportSchema },
  importEnrolments: { 200: importReportSchema },
};

const REQUEST_BODIES: Partial<Record<RouteId, { contentType: string; schema: z.ZodType }>> = {
  batchGetCredit: { contentType: 'application/json', schema: batchGetRequestSchema },
  setIntake: { contentType: 'application/json', schema: setIntakeRequestSchema },
  rejectHeld: { contentType: 'application/json', schema: rejectHeldRequestSchema },
  importBalances: {
    contentType: 'text/csv',
    schema: z.string().describe('nationalNumber,surname,givenNames,openingBalance'),
  },
  importEnrolments: {
    contentType: 'text/csv',
    schema: z.string().describe('nationalNumber,institution,academicYear'),
  },
};

const ERRORS: Record<number, string> = {
  400: 'Invalid request (the code says which rule)',
  401: 'No valid bearer token',
  403: 'The role may not call this',
  404: 'Not found (also: not visible to the caller)',
  409: 'Conflict',
  410: 'Gone',
  415: 'Unsupported media type',
  500: 'Internal error',
  503: 'The access could not be audited: no data returned (fail closed)',
};

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: 'draft-2020-12', unrepresentable: 'any' });

function parameters(route: RouteDef) {
  const path = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1]!,
    in: 'path',
    required: true,
    schema: m[1] === 'queue' ? { type: 'string', enum: [...DEAD_LETTER_QUEUES] } : { type: 'string' },
  }));
  const query: { name: string; in: 'query'; required: boolean; schema: object; description?: string }[] = [];
  if (route.id === 'getCredit')
    query.push({
      name: 'purpose',
      in: 'query',
      required: true,
      schema: { type: 'string', enum: [...PURPOSES] },
    });
  if (
    route.id === 'listUploads' ||
    route.id === 'listAuditEvents' ||
    route.id === 'listHeld' ||
    route.id === 'getMyRecord'
  ) {
    query.push({
      name: 'limit',
      in: 'query',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: route.id === 'listAuditEvents' ? 1000 : 200 },
    });
    query.push({
      name: 'next',
      in: 'query',
      required: false,
      schema: { type: 'string' },
      description:
        'cursor from the previous page (opaque; a cursor not handed out for this query is 400 INVALID_CURSOR)',
    });
  }
  if (route.id === 'listChanges') {
    query.push({
      name: 'purpose',
      in: 'query',
      required: false,
      schema: { type: 'string', enum: [...PURPOSES] },
      description:
        'why the institution needs the students: with it each change shows the full number, and each student shown gets an audit record with this purpose (which the student sees in /v1/me); without it numbers are masked',
    });
    query.push({
      name: 'limit',
      in: 'query',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: 200 },
    });
    query.push({
      name: 'after',
      in: 'query',
      required: false,
      schema: { type: 'string' },
      description:
        'cursor of the last change seen (`next` of the previous call; opaque; one not handed out is 400 INVALID_CURSOR)',
    });
  }
  if (route.id === 'auditChart' || route.id === 'auditAlerts')
    query.push({
      name: 'days',
      in: 'query',
      required: false,
      schema: { type: 'integer', enum: [7, 14, 31] },
    });
  if (route.id === 'listAuditEvents') {
    for (const name of ['subject', 'actor', 'institution', 'action', 'outcome', 'from', 'to']) {
      query.push({
        name,
        in: 'query',
        required: false,
        schema: { type: 'string' },
        ...(name === 'subject' ? { description: 'national register number' } : {}),
      });
    }
  }
  if (route.id === 'verifyAudit') {
    for (const name of ['from', 'to'])
      query.push({ name, in: 'query', required: false, schema: { type: 'string', format: 'date-time' } });
  }
  return [...path, ...query];
}

let cached: object | undefined;

export function openApiDocument(): object {
  if (cached) return cached;
  const paths: Record<string, Record<string, object>> = {};
  for (const route of ROUTES) {
    const responses: Record<string, object> = {};
    for (const [code, s] of Object.entries(RESPONSES[route.id])) {
      const content: Record<string, object> = { 'application/json': { schema: schema(s) } };
      if (route.id === 'listAuditEvents') content['text/csv'] = { schema: { type: 'string' } };
      responses[code] = { description: 'OK', content };
    }
    for (const [code, description] of Object.entries(ERRORS)) {
      responses[code] = {
        description,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    const body = REQUEST_BODIES[route.id];
    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      operationId: route.id,
      summary: route.summary,
      tags: [route.fn],
      ...(route.roles.length ? { security: [{ bearer: [] }], 'x-roles': route.roles } : { security: [] }),
      parameters: parameters(route),
      ...(body
        ? {
            requestBody: { required: true, content: { [body.contentType]: { schema: schema(body.schema) } } },
          }
        : {}),
      responses,
    };
  }
  cached = {
    openapi: '3.1.0',
    info: {
      title: 'Ruling intake — learning-credit registry (DBRC → AHOVOKS)',
      version: '1.0.0',
      description:
        'Every endpoint but this document requires an OpenID Connect bearer token. Institutions see only students enrolled with them or named in a ruling for them; every consultation is audited before data is returned (fail closed).',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Error: schema(errorSchema) },
    },
    paths,
  };
  return cached;
}
