/**
 * The OpenAPI 3.1 description of `/v1`, built from the route table and zod schemas (JSON Schema
 * 2020-12, which OpenAPI 3.1 uses as is). The tests validate every response against it.
 */
import * as z from 'zod';
import { ROUTES, PURPOSES, type RouteDef } from '../config/routes.js';

const message = z.object({ nl: z.string(), en: z.string() });
export const errorSchema = z.object({ code: z.string(), message });

const status = z.object({
  intakeId: z.string(),
  status: z.enum(['AWAITING_UPLOAD', 'RECEIVED', 'APPLIED', 'DUPLICATE', 'REJECTED', 'HELD']),
  receivedAt: z.string(),
  updatedAt: z.string(),
  code: z.string().optional(),
  field: z.string().optional(),
  message: message.optional(),
  rulingNumber: z.string().optional(),
  sha256: z.string().optional().describe('SHA-256 of the file this status decided on'),
  parentIntakeId: z
    .string()
    .optional()
    .describe('set on a further file posted under the key of that upload: an intake of its own'),
});

const correction = z.object({
  rulingNumber: z.string(),
  rulingDate: z.string(),
  academicYear: z.string(),
  institution: z.string(),
  programme: z.string(),
  requested: z.number().int(),
  returned: z.number().int(),
});

const credit = z.object({
  nationalNumber: z.string().describe('masked, e.g. 85.07.30-xxx.28'),
  balance: z.number().int(),
  openingBalance: z.number().int(),
  corrections: z.array(correction),
});

const auditRecord = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.object({ id: z.string(), role: z.string(), institution: z.string().optional() }),
  onBehalfOf: z.string().optional(),
  action: z.string(),
  subject: z.string().optional().describe('pseudonym of the person concerned'),
  purpose: z.string(),
  outcome: z.string(),
  requestId: z.string(),
  details: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});

const importReport = z.object({
  lines: z.number().int(),
  accepted: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  refused: z.array(z.object({ line: z.number().int(), code: z.string(), message })),
});

const intakeState = z.object({
  state: z.enum(['running', 'paused']),
  queue: z.record(z.string(), z.number()).optional(),
});

const verifyResult = z.object({ ok: z.boolean() }).loose();

const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), next: z.string().optional() });

/** Success responses per route: status code → schema. */
export const RESPONSES: Record<string, Record<number, z.ZodType>> = {
  getOpenApi: { 200: z.object({ openapi: z.string() }).loose() },
  createUpload: {
    201: z.object({
      intakeId: z.string(),
      upload: z.object({ url: z.string(), fields: z.record(z.string(), z.string()) }),
      expiresAt: z.string(),
    }),
  },
  listUploads: { 200: page(status) },
  getUpload: { 200: status },
  getCredit: { 200: credit },
  batchGetCredit: {
    200: z.object({
      results: z.array(
        z.union([
          z.object({ nationalNumber: z.string(), status: z.literal('FOUND'), credit }),
          z.object({ nationalNumber: z.string(), status: z.literal('NOT_FOUND') }),
          z.object({
            nationalNumber: z.string(),
            status: z.literal('INVALID'),
            code: z.literal('INVALID_RRN'),
          }),
        ]),
      ),
    }),
  },
  declareEnrolment: {
    200: z.object({ institution: z.string(), academicYear: z.string(), created: z.boolean() }),
    201: z.object({ institution: z.string(), academicYear: z.string(), created: z.boolean() }),
  },
  listAuditEvents: { 200: page(auditRecord) },
  verifyAudit: { 200: verifyResult },
  subjectReport: {
    200: z.object({
      nationalNumber: z.string(),
      known: z.boolean(),
      name: z.object({ surname: z.string(), givenNames: z.string() }).optional(),
      balance: z.number().int().optional(),
      openingBalance: z.number().int().optional(),
      ledgerEntries: z.array(z.object({}).loose()),
      enrolments: z.array(z.object({}).loose()),
      accesses: z.array(z.object({}).loose()),
    }),
  },
  setIntake: { 200: intakeState },
  getIntake: { 200: intakeState },
  listHeld: { 200: z.object({ items: z.array(status) }) },
  approveHeld: { 202: status },
  rejectHeld: { 200: status },
  importBalances: { 200: importReport },
  importEnrolments: { 200: importReport },
};

const REQUEST_BODIES: Record<string, { contentType: string; schema: z.ZodType }> = {
  batchGetCredit: {
    contentType: 'application/json',
    schema: z.object({ purpose: z.enum(PURPOSES), nationalNumbers: z.array(z.string()).min(1).max(100) }),
  },
  setIntake: { contentType: 'application/json', schema: z.object({ state: z.enum(['running', 'paused']) }) },
  rejectHeld: {
    contentType: 'application/json',
    schema: z.object({ reason: z.string().max(500).optional() }),
  },
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
    schema: { type: 'string' },
  }));
  const query: { name: string; in: 'query'; required: boolean; schema: object; description?: string }[] = [];
  if (route.id === 'getCredit')
    query.push({
      name: 'purpose',
      in: 'query',
      required: true,
      schema: { type: 'string', enum: [...PURPOSES] },
    });
  if (route.id === 'listUploads' || route.id === 'listAuditEvents') {
    query.push({ name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1 } });
    query.push({
      name: 'next',
      in: 'query',
      required: false,
      schema: { type: 'string' },
      description: 'cursor from the previous page',
    });
  }
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
  for (const route of ROUTES as readonly RouteDef[]) {
    const responses: Record<string, object> = {};
    for (const [code, s] of Object.entries(RESPONSES[route.id] ?? {})) {
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
