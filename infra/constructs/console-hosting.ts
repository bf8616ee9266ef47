/**
 * Where the web console lives on AWS (stateful: its URL is what people bookmark and what Cognito
 * calls back to): a private S3 bucket read only by CloudFront through origin access control, and a
 * CloudFront distribution that serves
 *
 * - the console's files (default behaviour): cached, with a CloudFront Function that answers every
 *   route of the single-page app (a path whose last segment has no extension) with `index.html`;
 * - the API (`/v1/*`): forwarded to the HTTP API's `$default` stage, never cached, every viewer
 *   header but Host passed on (with caching off this includes `Authorization`).
 *
 * One origin for console and API means the console needs no CORS and its Content-Security-Policy
 * allows `connect-src 'self'` plus exactly: the OpenID issuer (discovery, JWKS), the Cognito managed
 * login (token endpoint) and the extracts bucket (presigned POST uploads). The API's own CORS
 * configuration would otherwise have to name the distribution while the CSP names the API — a
 * dependency cycle CloudFormation cannot create (see README, "Deploy to AWS").
 *
 * Every response carries the same security headers as the local console server
 * (infra/local/console.ts): CSP, HSTS, `X-Frame-Options: DENY` and `frame-ancestors 'none'`,
 * `nosniff`, `Referrer-Policy: no-referrer` (the authorization code is in the callback URL),
 * `Cross-Origin-Opener-Policy` and a `Permissions-Policy`.
 *
 * The files themselves (and `config.json`) are deployed by `ConsoleDeployment` in the stateless
 * stack.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SERVICE_NAME } from '../../shared/config/resources.js';
import type { ConsoleDomain } from '../config.js';
import { ACCESS_LOG_PREFIXES } from './storage.js';

/** Path pattern of the API behaviour (every route of `ROUTES` is under `/v1/`). */
export const API_PATH_PATTERN = '/v1/*';

/**
 * The Content-Security-Policy of the console: the same directives as the local console server's
 * `consoleCsp` (a test compares them). `connectOrigins` are origins (scheme://host), may be tokens.
 */
export function consoleContentSecurityPolicy(connectOrigins: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${[...new Set(connectOrigins)].join(' ')}`.trim(),
    "form-action 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Headers beyond CloudFront's security-header set, as the local console server sends them. */
export const CONSOLE_CUSTOM_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

/** HSTS: two years, subdomains included. */
export const HSTS_MAX_AGE = Duration.days(730);

/**
 * Viewer-request function of the default behaviour: a route of the single-page app (`/`,
 * `/callback`, `/audit/events`…) is answered with `/index.html`; a file (`/assets/app-1a2b.js`,
 * `/config.json`) is served as itself. cloudfront-js-2.0.
 */
export const SPA_FALLBACK_CODE = `function handler(event) {
  var request = event.request;
  var last = request.uri.substring(request.uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
`;

export interface ConsoleHostingProps {
  readonly environment: string;
  /** Receives the console bucket's S3 server access logs. */
  readonly accessLogs: s3.IBucket;
  /** Host of the HTTP API's `$default` stage (`<id>.execute-api.<region>.amazonaws.com`). */
  readonly apiDomainName: string;
  /** Origins the console calls besides its own (issuer, token endpoint, upload bucket). */
  readonly connectOrigins: readonly string[];
  readonly domain?: ConsoleDomain;
  readonly webAclArn?: string;
}

export class ConsoleHosting extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly headers: cloudfront.ResponseHeadersPolicy;
  readonly spaFallback: cloudfront.Function;
  readonly contentSecurityPolicy: string;
  private readonly customDomain?: string;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    if (props.domain) this.customDomain = props.domain.domainName;

    // The console's files are public code, not data: SSE-S3 keeps origin access control simple
    // (an SSE-KMS origin would need CloudFront in a key policy) and costs nothing.
    this.bucket = new s3.Bucket(this, 'Files', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: ACCESS_LOG_PREFIXES.console,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.contentSecurityPolicy = consoleContentSecurityPolicy(props.connectOrigins);
    this.headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `${SERVICE_NAME} console (${props.environment}): security headers`,
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: this.contentSecurityPolicy, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: HSTS_MAX_AGE,
          includeSubdomains: true,
          override: true,
        },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: Object.entries(CONSOLE_CUSTOM_HEADERS).map(([header, value]) => ({
          header,
          value,
          override: true,
        })),
      },
    });

    this.spaFallback = new cloudfront.Function(this, 'SpaFallback', {
      comment: 'Routes of the single-page console are answered with /index.html',
      code: cloudfront.FunctionCode.fromInline(SPA_FALLBACK_CODE),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
    });

    const domain = props.domain;
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `${SERVICE_NAME} console and API (${props.environment})`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headers,
        functionAssociations: [
          { function: this.spaFallback, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
        compress: true,
      },
      additionalBehaviors: {
        [API_PATH_PATTERN]: {
          origin: new HttpOrigin(props.apiDomainName, {
            protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
          }),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: this.headers,
          compress: true,
        },
      },
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      ...(domain
        ? {
            domainNames: [domain.domainName],
            certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', domain.certificateArn),
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      ...(props.webAclArn ? { webAclId: props.webAclArn } : {}),
      // No CloudFront access log: it records full request paths, and API paths carry national
      // register numbers (architecture invariant 4). The API stage logs every API request by route
      // key; the console's files need no log. (cdk-nag AwsSolutions-CFR3, acknowledged in nag.ts.)
      enableLogging: false,
    });
  }

  /** The console's host name: the custom domain when configured, else `<id>.cloudfront.net`. */
  get domainName(): string {
    return this.customDomain ?? this.distribution.distributionDomainName;
  }

  /** `https://<host>/`: the console's base URL. */
  get url(): string {
    return `https://${this.domainName}/`;
  }
}
