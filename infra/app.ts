/**
 * CDK app. The environment name comes from the context (`cdk synth -c environment=prod`),
 * default `dev`; account and region from the CLI's credentials, when there are any.
 */
import { App } from 'aws-cdk-lib';
import { RulingIntakeStack } from './stack.js';

const app = new App();
const environment = String(app.node.tryGetContext('environment') ?? 'dev');
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

new RulingIntakeStack(app, 'RulingIntakeStack', {
  environment,
  stackName: `ruling-intake-${environment}`,
  description: `Court-ruling intake (${environment})`,
  ...(account && region ? { env: { account, region } } : {}),
});
