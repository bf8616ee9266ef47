/**
 * Puts the built console (`web/dist`, made by `npm run build:web`) and its runtime `config.json`
 * into the console bucket (stateless: redeployed with every deploy), then invalidates CloudFront.
 *
 * - `assets/*` (content-hashed names) with `Cache-Control: public, max-age=31536000, immutable`,
 *   never pruned, so a page that is still open keeps finding its script after a deploy;
 * - everything else (`index.html`, the icons) and `config.json` with `Cache-Control: no-cache`,
 *   pruned, after the assets (a new `index.html` never points at a missing file).
 *
 * `config.json` is what `web/src/auth.ts` reads: the issuer, the console's public client id, the
 * API base (empty: the console's own origin, CloudFront forwards `/v1/*`), the scopes and the
 * environment. When `web/dist` is not built at synth time a placeholder page is deployed instead
 * (with `config.json`), and synth warns; synth never fails for it.
 *
 * CDK's `BucketDeployment` runs a Lambda function of its own (Python, with the AWS CLI layer) at
 * deploy time. It is the one function of the service not built with `AppFunction`; its role is
 * explicit here (no managed policy) and its log group is encrypted and has a retention.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { ConsoleConfig } from '../../shared/contract/console-config.js';
import { SERVICE_NAME } from '../../shared/config/resources.js';
import { PROJECT_ROOT } from '../bundling.js';
import { stackLogGroupName } from '../naming.js';

/** Where `npm run build:web` writes the console. */
export const CONSOLE_DIST = join(PROJECT_ROOT, 'web/dist');

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'no-cache';

/** Shown when the console was not built before `cdk deploy`. */
export const PLACEHOLDER_HTML = `<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Console niet gebouwd / console not built</title></head>
<body><h1>De console is niet gebouwd / The console was not built</h1>
<p>Run <code>npm run build:web</code>, then <code>npx cdk deploy --all</code> again.</p></body></html>
`;

export interface ConsoleDeploymentProps {
  readonly environment: string;
  readonly bucket: s3.IBucket;
  readonly distribution: cloudfront.IDistribution;
  readonly config: ConsoleConfig;
  /** Encrypts the deployment function's log group. */
  readonly logKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** The built console (default `web/dist`). */
  readonly distDir?: string;
}

export class ConsoleDeployment extends Construct {
  /** False when the console was not built at synth time (a placeholder is deployed). */
  readonly built: boolean;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly shell: BucketDeployment;
  readonly assets?: BucketDeployment;
  /** What `config.json` holds (values may be tokens). */
  readonly config: ConsoleConfig;

  constructor(scope: Construct, id: string, props: ConsoleDeploymentProps) {
    super(scope, id);
    this.config = props.config;
    const dir = props.distDir ?? CONSOLE_DIST;
    this.built = existsSync(join(dir, 'index.html'));
    if (!this.built) {
      Annotations.of(this).addWarningV2(
        `${SERVICE_NAME}:console-not-built`,
        `${dir} has no index.html: a placeholder page is deployed as the console. Run \`npm run build:web\` before \`cdk deploy\`.`,
      );
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: stackLogGroupName(props.environment, 'console-deployment'),
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${SERVICE_NAME} console deployment (${props.environment})`,
    });
    this.logGroup.grantWrite(this.role);

    const common = {
      destinationBucket: props.bucket,
      role: this.role,
      logGroup: this.logGroup,
      memoryLimit: 256,
    };
    if (this.built) {
      this.assets = new BucketDeployment(this, 'Assets', {
        ...common,
        sources: [Source.asset(dir)],
        exclude: ['*'],
        include: ['assets/*'],
        prune: false,
        cacheControl: [CacheControl.fromString(IMMUTABLE)],
      });
    }
    this.shell = new BucketDeployment(this, 'Shell', {
      ...common,
      sources: [
        this.built ? Source.asset(dir) : Source.data('index.html', PLACEHOLDER_HTML),
        Source.jsonData('config.json', props.config),
      ],
      exclude: ['assets/*'],
      prune: true,
      cacheControl: [CacheControl.fromString(REVALIDATE)],
      distribution: props.distribution,
      distributionPaths: ['/*'],
    });
    if (this.assets) this.shell.node.addDependency(this.assets);
  }
}
