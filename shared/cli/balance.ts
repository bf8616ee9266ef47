/**
 * `ruling-intake balance`: the operator's view straight from the local ledger (the read is audited
 * before anything is shown). Loads the AWS SDK clients, so only this command pays for them.
 */
import { toCorrection } from '../use-cases/consult.js';
import { CliError, localState } from './api-client.js';
import { checkNationalNumber, maskNationalNumber } from '../domain/national-number.js';
import { printCredit } from './credit-view.js';
import { printJson, type Out } from './output.js';

export async function cmdBalance(nationalNumber: string, opts: Out): Promise<number> {
  const check = checkNationalNumber(nationalNumber);
  if (!check.valid || !check.digits)
    throw new CliError(
      `Invalid national register number ${maskNationalNumber(nationalNumber)} (${check.problem}).`,
      2,
    );
  const state = await localState();
  if (!state)
    throw new CliError('The local stack is not running. Start it in another terminal with: npm start');
  const { useLocalStack } = await import('../adapters/local/stack-state.js');
  useLocalStack(state);
  const compose = await import('../composition/compose.js');
  const deps = { ...(await compose.keyPorts()), audit: compose.auditLog(), ledger: compose.ledgerStore() };
  const pseudonym = await deps.keys.mac('pseudonym', check.digits);
  // Fail closed: the operator's read is logged before any data is shown.
  const at = new Date().toISOString();
  await deps.audit.append({
    id: `cli:${at}:${pseudonym.slice(0, 12)}:${Math.random().toString(36).slice(2, 10)}`,
    at,
    actor: { id: `operator:${process.env.USER ?? 'local'}`, role: 'operator' },
    action: 'ledger.read-balance',
    subject: pseudonym,
    purpose: 'operator-support',
    outcome: 'ALLOWED',
    requestId: `cli-${process.pid}`,
  });
  const student = await deps.ledger.getStudent(pseudonym);
  const entries = student ? await deps.ledger.listEntries(pseudonym) : [];
  const view = {
    nationalNumber: maskNationalNumber(check.digits),
    known: Boolean(student),
    balance: student?.balance ?? 140,
    openingBalance: student?.openingBalance ?? 140,
    corrections: entries.map((e) => ({ ...toCorrection(e), appliedAt: e.appliedAt })),
  };
  if (opts.json) printJson(view);
  else printCredit(view, !view.known);
  return 0;
}
