import { forwardRef, useImperativeHandle, useRef, useState } from 'react';
import type { PolicyProblem } from '../api/policy-api.js';

export interface YamlEditorHandle {
  /** Puts the caret at the start of a 1-based line (and column) and scrolls it into view. */
  goTo(line: number, column?: number | null): void;
}

/**
 * A plain textarea with a line-number gutter; lines with a problem are marked in the gutter and
 * carry the message in their tooltip. A textarea keeps every editing key, undo and screen-reader
 * support the browser has; the gutter scrolls with it.
 */
export const YamlEditor = forwardRef<
  YamlEditorHandle,
  {
    id: string;
    value: string;
    onChange: (value: string) => void;
    readOnly: boolean;
    problems: PolicyProblem[];
    describedBy?: string;
  }
>(function YamlEditor({ id, value, onChange, readOnly, problems, describedBy }, ref) {
  const textarea = useRef<HTMLTextAreaElement>(null);
  const gutter = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const lines = value.split('\n');
  const byLine = new Map<number, string[]>();
  for (const problem of problems) {
    if (problem.line === null) continue;
    byLine.set(problem.line, [...(byLine.get(problem.line) ?? []), problem.message]);
  }

  useImperativeHandle(ref, () => ({
    goTo(line, column) {
      const area = textarea.current;
      if (!area) return;
      const before = lines.slice(0, Math.max(0, line - 1)).join('\n').length + (line > 1 ? 1 : 0);
      const at = before + Math.max(0, (column ?? 1) - 1);
      area.focus();
      area.setSelectionRange(at, at);
      const lineHeight = Number.parseFloat(getComputedStyle(area).lineHeight) || 20;
      area.scrollTop = Math.max(0, (line - 4) * lineHeight);
    },
  }));

  return (
    <div className="yaml-editor">
      <div className="yaml-gutter" ref={gutter} aria-hidden="true">
        {lines.map((_, index) => {
          const line = index + 1;
          const messages = byLine.get(line);
          return (
            <div
              key={line}
              className={messages ? 'yaml-line-bad' : undefined}
              title={messages?.join('\n')}
              data-line={line}
            >
              {messages ? '●' : ''} {line}
            </div>
          );
        })}
      </div>
      <textarea
        ref={textarea}
        id={id}
        className="yaml-text"
        value={value}
        readOnly={readOnly}
        spellCheck={false}
        wrap="off"
        aria-describedby={describedBy}
        aria-invalid={problems.length > 0}
        onChange={(event) => onChange(event.target.value)}
        onScroll={(event) => {
          if (gutter.current) gutter.current.scrollTop = event.currentTarget.scrollTop;
          setScrollTop(event.currentTarget.scrollTop);
        }}
        onKeyDown={(event) => {
          // Tab indents by two spaces (YAML has no tabs); Escape then Tab leaves the editor.
          if (event.key === 'Tab' && !event.shiftKey && !readOnly && !event.currentTarget.dataset.escaped) {
            event.preventDefault();
            const area = event.currentTarget;
            const { selectionStart, selectionEnd } = area;
            onChange(`${value.slice(0, selectionStart)}  ${value.slice(selectionEnd)}`);
            requestAnimationFrame(() => area.setSelectionRange(selectionStart + 2, selectionStart + 2));
          }
          if (event.key === 'Escape') event.currentTarget.dataset.escaped = '1';
          else if (event.key !== 'Tab') delete event.currentTarget.dataset.escaped;
        }}
      />
      {/* The messages beside their lines, moving with the text; the list below the editor repeats them for screen readers. */}
      <div className="yaml-annotations" aria-hidden="true">
        {[...byLine].map(([line, messages]) => (
          <span
            key={line}
            className="yaml-annotation"
            style={{ top: `calc(${line - 1} * 1.4rem + 0.5rem - ${scrollTop}px)` }}
          >
            {messages.join('; ')}
          </span>
        ))}
      </div>
    </div>
  );
});
