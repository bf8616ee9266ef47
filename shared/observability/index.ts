/**
 * Structured logging and metrics (Powertools for AWS Lambda). One logger and one metrics
 * instance per process. Log only ids, codes and counts: never a national number, a name or an
 * address (the privacy test scans every log line written during the test run).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SERVICE_NAME } from '../config/resources.js';

export const logger = new Logger({ serviceName: SERVICE_NAME });
export const metrics = new Metrics({ namespace: 'RulingIntake', serviceName: SERVICE_NAME });
