/**
 * CDK app: the stateful and the stateless stack of one environment (infra/stack.ts), configured
 * from the CDK context (infra/config.ts; `cdk synth -c environment=prod -c alarmEmail=…`), checked
 * by cdk-nag's AWS Solutions rules at every synth (infra/nag.ts holds each acknowledged finding,
 * by resource path, with its reason) and by the AWS Control Tower guard rules (infra/guard.ts, the
 * same way). Account and region come from the CLI's credentials, when
 * there are any.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readDeployConfig } from './config.js';
import { acknowledgeGuardFindings, guardValidator } from './guard.js';
import { acknowledgeNagFindings } from './nag.js';
import { buildStacks } from './stack.js';

const app = new App();
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

const config = readDeployConfig(app.node);
const stacks = buildStacks(app, {
  environment: String(app.node.tryGetContext('environment') ?? 'dev'),
  config,
  ...(account && region ? { env: { account, region } } : {}),
});
acknowledgeNagFindings(stacks);
acknowledgeGuardFindings(stacks);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), guardValidator());
