import type { ChangeType } from '@slipway/model';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ChangeDraft } from '../api/changes-api.js';
import type { Change, ChangeAssessment, ChangeConflicts } from '../api/types.js';
import { useSession } from '../session/session-context.js';

/** Wait this long after the last keystroke before saving, so typing a title is one write. */
const SAVE_DELAY_MS = 700;

export interface DraftState {
  change: Change | null;
  saving: boolean;
  saveError: unknown;
  assessment: ChangeAssessment | null;
  conflicts: ChangeConflicts | null;
  previewError: unknown;
}

/**
 * Keeps a change being written in step with the server: the first save creates it (state `new`,
 * which is a draft nobody acts on; the form asks for that save explicitly, never on typing),
 * later edits PATCH it with If-Match, and after each save the
 * impact, risk and conflicts are asked for again. The server has no stateless "preview" for an
 * unsaved change, so the draft is what makes risk and conflicts live while the form is filled.
 * Saves never overlap: an edit made during a save is sent right after it.
 */
export function useChangeDraft(existing: Change | null) {
  const { api } = useSession();
  const [state, setState] = useState<DraftState>({
    change: existing,
    saving: false,
    saveError: undefined,
    assessment: null,
    conflicts: null,
    previewError: undefined,
  });
  const changeRef = useRef<Change | null>(existing);
  const pending = useRef<{ type: ChangeType; draft: ChangeDraft } | null>(null);
  const running = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const lastError = useRef<unknown>(undefined);

  const preview = useCallback(
    async (id: number) => {
      try {
        const [assessment, conflicts] = await Promise.all([api.changes.assessment(id), api.changes.conflicts(id)]);
        setState((current) => ({ ...current, assessment, conflicts, previewError: undefined }));
      } catch (error) {
        setState((current) => ({ ...current, previewError: error }));
      }
    },
    [api],
  );

  const flush = useCallback(async () => {
    if (running.current || !pending.current) return;
    running.current = true;
    lastError.current = undefined;
    setState((current) => ({ ...current, saving: true }));
    try {
      // An edit made while the preview loads is saved (and previewed) before the loop ends.
      do {
        while (pending.current) {
          const { type, draft } = pending.current;
          pending.current = null;
          const current = changeRef.current;
          const { templateId: _templateId, ...editable } = draft;
          const saved = current ? await api.changes.update(current, editable) : await api.changes.create(type, draft);
          changeRef.current = saved;
          setState((previous) => ({ ...previous, change: saved, saveError: undefined }));
        }
        if (changeRef.current) await preview(changeRef.current.id);
      } while (pending.current);
    } catch (error) {
      lastError.current = error;
      setState((previous) => ({ ...previous, saveError: error }));
    } finally {
      running.current = false;
      setState((previous) => ({ ...previous, saving: false }));
    }
  }, [api, preview]);

  /** Schedules a save of the form as it is now. */
  const edit = useCallback(
    (type: ChangeType, draft: ChangeDraft) => {
      pending.current = { type, draft };
      clearTimeout(timer.current);
      timer.current = setTimeout(() => void flush(), SAVE_DELAY_MS);
    },
    [flush],
  );

  /** Saves at once (before submitting) and answers the saved change; throws what the save failed with. */
  const saveNow = useCallback(async (): Promise<Change | null> => {
    clearTimeout(timer.current);
    while (running.current) await new Promise((resolve) => setTimeout(resolve, 50));
    await flush();
    if (lastError.current !== undefined) throw lastError.current;
    return changeRef.current;
  }, [flush]);

  useEffect(() => {
    if (existing) void preview(existing.id);
    return () => clearTimeout(timer.current);
  }, [existing, preview]);

  return { ...state, edit, saveNow };
}
