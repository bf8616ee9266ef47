/**
 * The console: reads `/config.json`, finishes or starts the sign-in, then shows the screens of the
 * signed-in role only (the API enforces the same rule on every call).
 */
import './styles.css';
import { render, type JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApi } from './api.js';
import {
  CALLBACK_PATH,
  completeSignIn,
  currentSession,
  loadConfig,
  signIn,
  signOut,
  type ConsoleConfig,
  type Role,
  type Session,
} from './auth.js';
import { I18nContext, initialLang, makeI18n, saveLang, useI18n, type Key, type Lang } from './i18n.js';
import { App, Link, navigate, usePath } from './ui.js';
import { ClerkHome } from './views/clerk.js';
import { InstitutionBatch, InstitutionChanges, InstitutionLookup } from './views/institution.js';
import { AuditAlertList, AuditChart, AuditLog, AuditSubject, AuditVerify } from './views/auditor.js';
import { OperatorImports, OperatorIntake } from './views/operator.js';
import { StudentRecord } from './views/student.js';

interface Screen {
  readonly path: string;
  readonly label: Key;
  readonly view: () => JSX.Element;
}

/** What each role may see: nothing else is even rendered. */
const SCREENS: Record<Role, readonly Screen[]> = {
  clerk: [{ path: '/', label: 'navUploads', view: () => <ClerkHome /> }],
  institution: [
    { path: '/', label: 'navLookup', view: () => <InstitutionLookup /> },
    { path: '/batch', label: 'navBatch', view: () => <InstitutionBatch /> },
    { path: '/changes', label: 'navChanges', view: () => <InstitutionChanges /> },
  ],
  auditor: [
    { path: '/', label: 'navLog', view: () => <AuditLog /> },
    { path: '/chart', label: 'navChart', view: () => <AuditChart /> },
    { path: '/alerts', label: 'navAlerts', view: () => <AuditAlertList /> },
    { path: '/verify', label: 'navVerify', view: () => <AuditVerify /> },
    { path: '/subject', label: 'navSubject', view: () => <AuditSubject /> },
  ],
  operator: [
    { path: '/', label: 'navIntake', view: () => <OperatorIntake /> },
    { path: '/imports', label: 'navImports', view: () => <OperatorImports /> },
  ],
  student: [{ path: '/', label: 'navMine', view: () => <StudentRecord /> }],
};

function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <div class="lang" role="group" aria-label={t('language')}>
      {(['nl', 'en'] as const).map((l) => (
        <button
          key={l}
          type="button"
          class="lang-button"
          lang={l}
          aria-pressed={lang === l}
          onClick={() => setLang(l)}
        >
          {l === 'nl' ? 'Nederlands' : 'English'}
        </button>
      ))}
    </div>
  );
}

function Header(props: { config?: ConsoleConfig; session?: Session; onSignOut?: () => void }) {
  const { t } = useI18n();
  const { session } = props;
  return (
    <header class="top">
      <div class="top-inner">
        <a class="brand" href="/">
          <span class="brand-mark" aria-hidden="true">
            L
          </span>
          <span>{t('appTitle')}</span>
        </a>
        {props.config?.environment && props.config.environment !== 'production' ? (
          <span class="env">{props.config.environment}</span>
        ) : null}
        <div class="top-right">
          <LanguageSwitch />
          {session ? (
            <div class="who">
              <span class="who-role">
                {session.role ? t(`role_${session.role}`) : '—'}
                {session.institution ? ` ${session.institution}` : ''}
              </span>
              <span class="who-name">{session.name ?? session.sub}</span>
              <button type="button" class="button-quiet" onClick={props.onSignOut}>
                {t('signOut')}
              </button>
            </div>
          ) : null}
        </div>
      </div>
    </header>
  );
}

function Landing(props: { config?: ConsoleConfig; note?: string; error?: string; busy?: boolean }) {
  const { t } = useI18n();
  const [starting, setStarting] = useState(false);
  const [failed, setFailed] = useState<string>();
  const error = failed ?? props.error;
  return (
    <main id="main" class="landing">
      <h1>{t('appTitle')}</h1>
      <p class="lead">{t('landingIntro')}</p>
      {props.note ? (
        <div class="alert alert-info" role="status">
          {props.note}
        </div>
      ) : null}
      {error ? (
        <div class="alert alert-error" role="alert">
          {error}
        </div>
      ) : null}
      <p>{t('landingWho')}</p>
      <p>
        <button
          type="button"
          class="button-primary button-large"
          disabled={!props.config || starting || props.busy}
          onClick={() => {
            if (!props.config) return;
            setStarting(true);
            setFailed(undefined);
            signIn(props.config, location.pathname === CALLBACK_PATH ? '/' : location.pathname).catch(
              (e: Error) => {
                setStarting(false);
                setFailed(`${t('loginError')}: ${e.message}`);
              },
            );
          }}
        >
          {props.busy ? t('loading') : t('signIn')}
        </button>
      </p>
      <p class="muted">{t('landingLogged')}</p>
    </main>
  );
}

function Shell(props: { config: ConsoleConfig; session: Session; onSignOut: (expired: boolean) => void }) {
  const { t } = useI18n();
  const path = usePath();
  const { session, config } = props;
  const api = useMemo(
    () => createApi(config.apiUrl, session.accessToken, () => props.onSignOut(true)),
    [config.apiUrl, session.accessToken],
  );
  const screens = session.role ? SCREENS[session.role] : [];
  const screen = screens.find((s) => s.path === path);
  useEffect(() => {
    if (screens.length && !screen) navigate('/', true);
  }, [path]);
  useEffect(() => {
    // Sign out when the token runs out (no refresh tokens for a browser client).
    const timer = setTimeout(() => props.onSignOut(true), Math.max(0, session.expiresAt - Date.now()));
    return () => clearTimeout(timer);
  }, [session.expiresAt]);
  return (
    <App.Provider value={{ api, session }}>
      <Header config={config} session={session} onSignOut={() => props.onSignOut(false)} />
      {screens.length > 1 ? (
        <nav class="tabs" aria-label={t('mainNav')}>
          <ul>
            {screens.map((s) => (
              <li key={s.path}>
                <Link href={s.path} current={s.path === path}>
                  {t(s.label)}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
      <main id="main" class="content">
        {screen ? (
          <screen.view key={screen.path} />
        ) : screens.length ? null : (
          <div class="alert alert-error" role="alert">
            {t('noRole')}
          </div>
        )}
      </main>
    </App.Provider>
  );
}

function Root() {
  const [lang, setLangState] = useState<Lang>(initialLang());
  const i18n = useMemo(
    () =>
      makeI18n(lang, (l) => {
        saveLang(l);
        setLangState(l);
      }),
    [lang],
  );
  const [config, setConfig] = useState<ConsoleConfig>();
  const [session, setSession] = useState<Session | undefined>(currentSession());
  const [note, setNote] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(location.pathname === CALLBACK_PATH);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = i18n.t('appTitle');
  }, [lang]);

  useEffect(() => {
    loadConfig()
      .then(async (c) => {
        setConfig(c);
        if (location.pathname !== CALLBACK_PATH) return;
        try {
          const next = await completeSignIn(c);
          setSession(currentSession());
          navigate(next, true);
        } catch (e) {
          setError(`${i18n.t('loginError')}: ${(e as Error).message}`);
          navigate('/', true);
        } finally {
          setBusy(false);
        }
      })
      .catch(() => {
        setError(i18n.t('configError'));
        setBusy(false);
      });
  }, []);

  const onSignOut = (expired: boolean) => {
    signOut();
    setSession(undefined);
    setNote(i18n.t(expired ? 'sessionExpired' : 'signedOut'));
    navigate('/', true);
  };

  return (
    <I18nContext.Provider value={i18n}>
      <a class="skip" href="#main">
        {i18n.t('skip')}
      </a>
      {session && config ? (
        <Shell config={config} session={session} onSignOut={onSignOut} />
      ) : (
        <>
          <Header {...(config ? { config } : {})} />
          <Landing config={config} busy={busy} {...(note ? { note } : {})} {...(error ? { error } : {})} />
        </>
      )}
    </I18nContext.Provider>
  );
}

render(<Root />, document.getElementById('app')!);
