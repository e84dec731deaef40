import { useId, useRef, useState } from 'react';

/**
 * A secret the server shows only once (a new API token, a generated password), with a copy
 * button. The field stays selectable so copying by hand works where the Clipboard API does not
 * (it needs a secure context, and Slipway is often served over plain http).
 */
export function SecretReveal({ label, value, explanation }: { label: string; value: string; explanation: string }) {
  const id = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [status, setStatus] = useState('');

  async function copy() {
    const input = inputRef.current;
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(value);
      setStatus('Copied to the clipboard.');
    } catch {
      input?.focus();
      input?.select();
      setStatus('Selected: press Ctrl+C (⌘C on a Mac) to copy.');
    }
  }

  return (
    <section className="secret" aria-labelledby={`${id}-label`}>
      <label id={`${id}-label`} htmlFor={id}>
        {label}
      </label>
      <div className="secret-row">
        <input
          ref={inputRef}
          id={id}
          className="secret-value"
          readOnly
          value={value}
          spellCheck={false}
          onFocus={(event) => event.currentTarget.select()}
        />
        <button type="button" onClick={copy}>
          Copy
        </button>
      </div>
      <p className="muted">{explanation}</p>
      <p className="secret-status" aria-live="polite">
        {status}
      </p>
    </section>
  );
}
