/**
 * The import directions of the hexagonal layout (README, "Code layout"), checked by `npm run lint`.
 * A rule that is broken turns lint red; each rule says why it exists.
 *
 *   core   = shared/domain + shared/ports + shared/use-cases (+ shared/contract: the API's shapes)
 *   edges  = shared/adapters, shared/http, shared/cli, shared/auth, functions/, infra/, web/
 */
/** Node modules that do I/O or start work outside the call: never in the core. */
const IO_MODULES = [
  '^(node:)?(fs|fs/promises|worker_threads|net|http|https|http2|child_process|dgram|dns|tls|cluster|readline|os|vm)$',
  '(^|/)node_modules/(@aws-sdk|@aws-crypto|@aws-lambda-powertools|@middy|pdf-parse|pdfjs-dist|s3rver|dynalite|jose|commander|cli-progress)/',
];

export default {
  forbidden: [
    {
      name: 'domain-imports-only-domain',
      comment:
        'The domain is pure: it imports only other domain modules (and the libraries it computes with, e.g. zod).',
      severity: 'error',
      from: { path: '^shared/domain/' },
      to: { path: '^(shared|functions|infra|web|test)/', pathNot: '^shared/(domain/|config/[^/]+\\.json$)' },
    },
    {
      name: 'core-does-no-io',
      comment:
        'Domain, ports, use cases and the contract reach files, threads, sockets and SDKs only through ports.',
      severity: 'error',
      from: { path: '^shared/(domain|ports|use-cases|contract)/' },
      to: { path: IO_MODULES },
    },
    {
      name: 'ports-import-domain-and-contract-only',
      comment: 'A port is an interface over domain types.',
      severity: 'error',
      from: { path: '^shared/ports/' },
      to: { path: '^(shared|functions|infra|web)/', pathNot: '^shared/(domain|ports|contract)/' },
    },
    {
      name: 'use-cases-import-core-only',
      comment:
        'Use cases import only the domain, the ports and the contract: no HTTP, no adapter, no CLI, no infra.',
      severity: 'error',
      from: { path: '^shared/use-cases/' },
      to: { path: '^(shared|functions|infra|web)/', pathNot: '^shared/(domain|ports|use-cases|contract)/' },
    },
    {
      name: 'contract-imports-core-types-only',
      comment: 'The API contract (the shapes of /v1) is shared with the console: domain and port types only.',
      severity: 'error',
      from: { path: '^shared/contract/' },
      to: { path: '^(shared|functions|infra|web)/', pathNot: '^shared/(domain|ports|contract)/' },
    },
    {
      name: 'adapters-never-import-use-cases',
      comment: 'Adapters implement ports; composing them with use cases is the entry points’ job.',
      severity: 'error',
      from: { path: '^shared/adapters/' },
      to: { path: '^shared/use-cases/' },
    },
    {
      name: 'shared-never-imports-infra-or-functions',
      comment: 'shared/ is what infra/ and functions/ are built from, never the reverse.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(infra|functions|test)/' },
    },
    {
      name: 'functions-never-import-each-other',
      comment: 'A Lambda entry point is a thin adapter; what two functions share lives in shared/.',
      severity: 'error',
      from: { path: '^functions/([^/]+)/' },
      to: { path: '^functions/', pathNot: '^functions/$1/' },
    },
    {
      name: 'infra-never-imports-functions',
      comment:
        'The local stack runs the handlers through their bundle entry or shared code, not by reaching into functions/.',
      severity: 'error',
      from: { path: '^infra/', pathNot: '^infra/local/functions\\.ts$' },
      to: { path: '^functions/' },
    },
    {
      name: 'web-imports-only-web-contract-and-pure-domain',
      comment: 'The console bundles what it imports: no Node, no AWS, no adapters.',
      severity: 'error',
      from: { path: '^web/' },
      to: {
        path: '^(shared|functions|infra)/',
        pathNot: '^shared/(domain|contract|config/(institutions\\.json|console\\.ts))',
      },
    },
    {
      name: 'no-circular',
      comment: 'Cycles hide which module owns a rule.',
      severity: 'error',
      from: { path: '^(shared|functions|infra|web)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|cdk\\.out|dist|\\.node|\\.data)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
