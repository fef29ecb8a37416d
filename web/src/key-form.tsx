/** Asks for the API key once; it is kept in this browser's localStorage. */
import { useState } from 'preact/hooks';
import { api, saveKey } from './api.ts';

export function KeyForm({ onSave, notice }: { onSave: (key: string) => void; notice?: string | null }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    saveKey(key.trim());
    try {
      await api('GET', '/workers');
      onSave(key.trim());
    } catch (err) {
      saveKey(null);
      setError((err as Error).message);
    }
  };
  return (
    <main class="narrow">
      <h1>Attune</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label for="key">API key</label>
        <p class="hint">
          Create one with <code>attune apikey create --role operator</code>. It is kept in this browser only.
        </p>
        <input id="key" type="password" autoComplete="off" value={key} onInput={(e) => setKey(e.currentTarget.value)} required />
        <button type="submit">Use this key</button>
        {(error ?? notice) && (
          <p role="alert" class="error">
            {error ?? notice}
          </p>
        )}
      </form>
    </main>
  );
}
