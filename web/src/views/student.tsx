/**
 * Student: their own record — balance, the rulings applied to them, and every consultation of
 * their data (who, when, why, outcome), newest first, a page at a time. The person is the signed-in
 * student's (from the token, on the API side): there is no number to type here.
 */
import { useEffect, useState } from 'preact/hooks';
import { formatNationalNumber } from '../../../shared/domain/national-number.js';
import { isKey, useI18n } from '../i18n.js';
import type { MyAccess, MyRecord } from '../types.js';
import {
  Badge,
  CreditLinesTable,
  DataTable,
  Figure,
  PageTitle,
  Problem,
  institutionLabel,
  useAction,
  useApp,
  type Column,
} from '../ui.js';

const PAGE = 50;

export function StudentRecord() {
  const { t, dateTime } = useI18n();
  const { api } = useApp();
  const [record, setRecord] = useState<MyRecord>();
  const [accesses, setAccesses] = useState<MyAccess[]>([]);
  const [next, setNext] = useState<string>();
  const load = useAction(async (cursor?: string) => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (cursor) q.set('next', cursor);
    const r = await api.json<MyRecord>('GET', `/v1/me?${q.toString()}`);
    if (!cursor) setRecord(r);
    setAccesses((before) => (cursor ? [...before, ...r.accesses] : r.accesses));
    setNext(r.next);
  });
  useEffect(() => {
    void load.run();
  }, []);
  const label = (key: string, raw: string) => (isKey(key) ? t(key) : raw);
  const columns: Column<MyAccess>[] = [
    { head: t('colAt'), class: 'nowrap', cell: (a) => dateTime(a.at) },
    {
      head: t('mineWho'),
      cell: (a) =>
        a.institution ? institutionLabel(a.institution) : label(`mineActor_${a.actorRole}`, a.actorRole),
    },
    { head: t('colPurpose'), cell: (a) => label(`purpose_${a.purpose}`, a.purpose) },
    { head: t('colOutcome'), cell: (a) => <Badge tone={a.outcome}>{a.outcome}</Badge> },
  ];
  return (
    <>
      <PageTitle>{t('mineTitle')}</PageTitle>
      <p class="lead">{t('mineIntro')}</p>
      <Problem error={load.error} />
      {record ? (
        <section class="card result" aria-labelledby="mine-title">
          <h2 id="mine-title">{formatNationalNumber(record.nationalNumber)}</h2>
          {!record.known ? <p>{t('mineUnknown')}</p> : null}
          <dl class="figures">
            {record.balance !== undefined ? (
              <Figure label={t('balance')}>{t('credits', { n: record.balance })}</Figure>
            ) : null}
            {record.openingBalance !== undefined ? (
              <Figure label={t('opening')} small>
                {t('credits', { n: record.openingBalance })}
              </Figure>
            ) : null}
          </dl>
          <h3>{t('mineRulings')}</h3>
          <CreditLinesTable label={t('mineRulings')} lines={record.rulings} empty={t('none')} />
          <h3>{t('mineAccesses')}</h3>
          <p class="muted">{t('mineAccessesIntro')}</p>
          <DataTable
            label={t('mineAccesses')}
            class="events mine"
            columns={columns}
            rows={accesses}
            rowKey={(a, i) => `${a.at}-${i}`}
            rowProps={(a) => ({
              'data-action': a.action,
              'data-purpose': a.purpose,
              'data-outcome': a.outcome,
            })}
            empty={t('none')}
          />
          {next ? (
            <p>
              <button type="button" disabled={load.busy} onClick={() => void load.run(next)}>
                {t('mineMore')}
              </button>
            </p>
          ) : null}
        </section>
      ) : null}
    </>
  );
}
