/**
 * The token settings that change with the set of institution clients — the accepted audiences
 * (client ids) and the client id → institution mapping — cross from the stateful stack to the
 * stateless one through SSM parameters, not CloudFormation exports.
 *
 * Why: CloudFormation refuses to delete or change an export while another stack imports it. With
 * one export per client id, removing or rotating an institution client (a new client, the old one
 * deleted) deadlocked: the stateful stack could not drop the old client's export because the app
 * stack still imported it, and the app stack could not be updated first because the new export did
 * not exist yet. The stateful stack now writes two parameters whose *names* are fixed
 * (`/ruling-intake/<env>/auth/…`); the stateless stack reads them as CloudFormation parameters of
 * type `AWS::SSM::Parameter::Value<String>`, resolved at each deploy. The CDK CLI never skips the
 * deploy of a stack with such parameters (their value may have changed), so `cdk deploy --all`
 * always carries a new client set into the authorizer and the functions' environment.
 *
 * The issuer, the JWKS URL and the console's client stay exports: they never change for a pool.
 * The JWT authorizer is created by CDK under the HTTP API, in the stateful stack, so it names the
 * clients within that stack (test/infra/stacks.test.ts checks that no client id is exported).
 */
import { Fn } from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { SERVICE_NAME } from '../../shared/config/resources.js';
import type { AuthSettings } from './identity.js';

/** The fixed names of the parameters (stateful stack writes, stateless stack reads). */
export function authParameterNames(environment: string): {
  readonly audiences: string;
  readonly clientInstitutions: string;
} {
  const base = `/${SERVICE_NAME}/${environment}/auth`;
  return { audiences: `${base}/audiences`, clientInstitutions: `${base}/client-institutions` };
}

/** Stateful: writes the client-dependent settings to SSM. */
export class AuthParameters extends Construct {
  readonly audiences: ssm.StringParameter;
  readonly clientInstitutions: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: { environment: string; settings: AuthSettings }) {
    super(scope, id);
    const names = authParameterNames(props.environment);
    this.audiences = new ssm.StringParameter(this, 'Audiences', {
      parameterName: names.audiences,
      description: 'Accepted token audiences (client ids), comma-separated; read by the app stack at deploy',
      stringValue: Fn.join(',', [...props.settings.audiences]),
    });
    this.clientInstitutions = new ssm.StringParameter(this, 'ClientInstitutions', {
      parameterName: names.clientInstitutions,
      description: 'JSON: institution machine client id -> institution code; read by the app stack at deploy',
      // An empty object is still a value (SSM refuses an empty string).
      stringValue: props.settings.clientInstitutionsJson,
    });
  }
}

/**
 * Stateless: the same settings, with the client-dependent values read from SSM at deploy time
 * (no import of any client id). `stateful` supplies the stable values.
 */
export function readAuthSettings(
  scope: Construct,
  environment: string,
  stateful: AuthSettings,
): AuthSettings {
  const names = authParameterNames(environment);
  const audienceList = ssm.StringParameter.valueForStringParameter(scope, names.audiences);
  return {
    issuer: stateful.issuer,
    jwksUrl: stateful.jwksUrl,
    consoleClientId: stateful.consoleClientId,
    ...(stateful.requiredAcr ? { requiredAcr: stateful.requiredAcr } : {}),
    ...(stateful.requiredAmr ? { requiredAmr: stateful.requiredAmr } : {}),
    ...(stateful.studentNumberClaim ? { studentNumberClaim: stateful.studentNumberClaim } : {}),
    // Only the JWT authorizer reads the list, and CDK creates the authorizer under the HTTP API, in
    // the stateful stack: there the client ids are references within the stack, never exports.
    audiences: stateful.audiences,
    audienceList,
    clientInstitutionsJson: ssm.StringParameter.valueForStringParameter(scope, names.clientInstitutions),
  };
}
