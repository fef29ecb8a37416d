/** The dashboard: asks for an API key once (kept in localStorage), then routes by the URL hash. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { KEY_REFUSED, savedKey, saveKey } from './api.ts';
import { KeyForm } from './key-form.tsx';
import { DeadLettersPage } from './pages/dead-letters.tsx';
import { ExecutionPage } from './pages/execution.tsx';
import { ExecutionsPage } from './pages/executions.tsx';
import { RulePage } from './pages/rule.tsx';
import { RulesPage } from './pages/rules.tsx';
import { StreamsPage } from './pages/streams.tsx';
import { WorkersPage } from './pages/workers.tsx';
import './style.css';
import './layout.css';

const sections = [
  ['#/executions', 'Executions'],
  ['#/rules', 'Rules'],
  ['#/workers', 'Workers'],
  ['#/streams', 'Streams'],
  ['#/dead-letters', 'Dead letters'],
] as const;

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/executions');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/executions');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function Page({ hash }: { hash: string }) {
  const execution = /^#\/executions\/(\d+)$/.exec(hash);
  if (execution) return <ExecutionPage id={Number(execution[1])} />;
  const rule = /^#\/rules\/(.+)$/.exec(hash);
  if (rule) return <RulePage key={rule[1]} ruleRef={decodeURIComponent(rule[1]!)} />;
  if (hash.startsWith('#/rules')) return <RulesPage />;
  if (hash.startsWith('#/workers')) return <WorkersPage />;
  if (hash.startsWith('#/streams')) return <StreamsPage />;
  if (hash.startsWith('#/dead-letters')) return <DeadLettersPage />;
  return <ExecutionsPage />;
}

function App() {
  const [key, setKey] = useState(savedKey());
  const [refused, setRefused] = useState<string | null>(null);
  const hash = useHash();
  // A saved key the server refuses (revoked, or from another installation): ask for one again, saying why.
  useEffect(() => {
    const on = (e: Event) => {
      if (!savedKey()) return;
      saveKey(null);
      setKey(null);
      setRefused(`The saved key was refused: ${(e as CustomEvent<string>).detail}`);
    };
    addEventListener(KEY_REFUSED, on);
    return () => removeEventListener(KEY_REFUSED, on);
  }, []);
  if (!key) return <KeyForm notice={refused} onSave={(k) => (saveKey(k), setKey(k), setRefused(null))} />;
  return (
    <>
      <header>
        <strong>Attune</strong>
        <nav aria-label="sections">
          {sections.map(([href, label]) => (
            <a key={href} href={href} aria-current={hash.startsWith(href) ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <button type="button" class="quiet" onClick={() => (saveKey(null), setKey(null))}>
          Forget key
        </button>
      </header>
      <main>
        <Page hash={hash} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
