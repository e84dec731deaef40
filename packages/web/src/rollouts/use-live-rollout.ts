import { ROLLOUT_EVENT_TYPES, TERMINAL_ROLLOUT_STATES } from '@slipway/model';
import { useCallback, useEffect, useRef, useState } from 'react';
import { isApiError } from '../api/errors.js';
import { useSession } from '../session/session-context.js';
import type { Rollout, RolloutEvent, RolloutTarget } from './rollouts-api.js';
import { TargetGrid } from './target-grid.js';

/** At most one refresh of the rollout (and its changed waves' targets) per this many ms. */
const REFRESH_MS = 700;
/** The event log keeps the newest entries only; the full log is `GET …/events/log`. */
const LOG_LIMIT = 400;
/** Fallback polling while the stream is down (EventSource retries on its own meanwhile). */
const POLL_MS = 5000;

export interface LiveRollout {
  rollout: Rollout | undefined;
  error: unknown;
  /** Newest last; without `progress` events (they only drive the refresh). */
  events: RolloutEvent[];
  streaming: boolean;
  /** Registers the element that shows one wave's targets. */
  gridRef: (wave: number) => (element: HTMLElement | null) => void;
  /** Takes a rollout a write answered, reconnects the stream if it had ended. */
  accept: (rollout: Rollout) => void;
  /** Fetches the rollout again soon (after a write was refused as stale). */
  reload: () => void;
}

/**
 * Watches a rollout: the JSON once, every target once (pages of 1,000), then the server-sent
 * events (the session cookie travels with the same-origin EventSource). Every event schedules a
 * throttled refresh that fetches the rollout again and, for the waves whose counts changed, their
 * targets, which go straight into the wave grids (no React state per target).
 */
export function useLiveRollout(id: number): LiveRollout {
  const { api } = useSession();
  const [rollout, setRollout] = useState<Rollout | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [events, setEvents] = useState<RolloutEvent[]>([]);
  const [streaming, setStreaming] = useState(false);

  const live = useRef({
    targets: new Map<number, Map<number, RolloutTarget>>(),
    grids: new Map<number, TargetGrid>(),
    counts: new Map<number, string>(),
    lastEventId: 0,
    source: null as EventSource | null,
    refreshing: false,
    dirty: false,
    lastRefresh: 0,
    timer: 0 as ReturnType<typeof setTimeout> | 0,
    closed: false,
    /**
     * The rollout last taken is finished: the stream only replays its history (already in that
     * answer), so its events and its end fetch nothing again. The fallback poll still runs, so a
     * back-out started elsewhere shows up.
     */
    terminal: false,
    pending: [] as RolloutEvent[],
    flushScheduled: false,
    /** The throttled refresh, reachable from inside refresh() itself. */
    schedule: () => {},
  });

  const store = useCallback((targets: RolloutTarget[]) => {
    const state = live.current;
    const touched = new Set<number>();
    for (const target of targets) {
      let wave = state.targets.get(target.wave);
      if (!wave) {
        wave = new Map();
        state.targets.set(target.wave, wave);
      }
      wave.set(target.id, target);
      touched.add(target.wave);
    }
    for (const waveIdx of touched) {
      state.grids.get(waveIdx)?.apply(targets.filter((target) => target.wave === waveIdx));
    }
  }, []);

  const fetchTargets = useCallback(
    async (wave: number | undefined) => {
      let cursor: string | undefined;
      do {
        const page = await api.rollouts.targets(id, { wave, cursor });
        store(page.items);
        cursor = page.next ?? undefined;
      } while (cursor && !live.current.closed);
    },
    [api, id, store],
  );

  const refresh = useCallback(async () => {
    const state = live.current;
    if (state.closed) return;
    if (state.refreshing) {
      state.dirty = true;
      return;
    }
    state.refreshing = true;
    state.dirty = false;
    state.lastRefresh = Date.now();
    try {
      const next = await api.rollouts.get(id);
      const changed = next.waves.filter((wave) => state.counts.get(wave.index) !== JSON.stringify(wave.counts));
      // Many changed waves: one pass over all targets is fewer requests than one per wave.
      if (changed.length > 3) await fetchTargets(undefined);
      else for (const wave of changed) await fetchTargets(wave.index);
      for (const wave of next.waves) state.counts.set(wave.index, JSON.stringify(wave.counts));
      if (!state.closed) {
        state.terminal = TERMINAL_ROLLOUT_STATES.includes(next.state);
        setRollout(next);
        setError(undefined);
      }
    } catch (failure) {
      if (!state.closed) setError(failure);
    } finally {
      state.refreshing = false;
      if (state.dirty) state.schedule();
    }
  }, [api, id, fetchTargets]);

  const schedule = useCallback(() => {
    const state = live.current;
    if (state.timer || state.closed) return;
    const wait = Math.max(0, REFRESH_MS - (Date.now() - state.lastRefresh));
    state.timer = setTimeout(() => {
      state.timer = 0;
      void refresh();
    }, wait);
  }, [refresh]);
  live.current.schedule = schedule;

  const addEvent = useCallback((event: RolloutEvent) => {
    const state = live.current;
    state.pending.push(event);
    if (state.flushScheduled) return;
    state.flushScheduled = true;
    // A burst of events (a failing wave) becomes one render per frame.
    requestAnimationFrame(() => {
      state.flushScheduled = false;
      const batch = state.pending;
      state.pending = [];
      if (!state.closed) setEvents((current) => [...current, ...batch].slice(-LOG_LIMIT));
    });
  }, []);

  const connect = useCallback(() => {
    const state = live.current;
    if (state.source || state.closed) return;
    const source = new EventSource(api.rollouts.eventsUrl(id, state.lastEventId), { withCredentials: true });
    state.source = source;
    source.onopen = () => setStreaming(true);
    source.onerror = () => setStreaming(false);
    const onEvent = (message: MessageEvent<string>) => {
      const eventId = Number(message.lastEventId);
      if (Number.isInteger(eventId) && eventId > state.lastEventId) state.lastEventId = eventId;
      const data = JSON.parse(message.data) as Record<string, unknown>;
      if (message.type !== 'progress') {
        addEvent({ id: eventId, type: message.type, data, at: String(data.at ?? new Date().toISOString()) });
      }
      if (!state.terminal) schedule();
    };
    for (const type of [...ROLLOUT_EVENT_TYPES, 'progress', 'target_failed']) source.addEventListener(type, onEvent);
    // The server ends the stream when the rollout is finished; without close() EventSource would reconnect.
    source.addEventListener('end', () => {
      source.close();
      state.source = null;
      setStreaming(false);
      if (!state.terminal) schedule();
    });
  }, [api, id, addEvent, schedule]);

  useEffect(() => {
    const state = live.current;
    state.closed = false;
    let cancelled = false;
    (async () => {
      try {
        const first = await api.rollouts.get(id);
        await fetchTargets(undefined);
        if (cancelled) return;
        for (const wave of first.waves) state.counts.set(wave.index, JSON.stringify(wave.counts));
        state.terminal = TERMINAL_ROLLOUT_STATES.includes(first.state);
        setRollout(first);
        connect();
      } catch (failure) {
        if (cancelled) return;
        // A rollout that does not exist has nothing to watch: no polling for it.
        if (isApiError(failure, 'NOT_FOUND')) state.closed = true;
        setError(failure);
      }
    })();
    const poll = setInterval(() => {
      if (!state.source || state.source.readyState !== EventSource.OPEN) void refresh();
    }, POLL_MS);
    return () => {
      cancelled = true;
      state.closed = true;
      clearInterval(poll);
      if (state.timer) clearTimeout(state.timer);
      state.timer = 0;
      state.source?.close();
      state.source = null;
    };
  }, [api, id, fetchTargets, connect, refresh]);

  const gridRef = useCallback(
    (wave: number) => (element: HTMLElement | null) => {
      const state = live.current;
      const existing = state.grids.get(wave);
      if (!element) return;
      if (existing?.container === element) return;
      const grid = new TargetGrid(element);
      state.grids.set(wave, grid);
      grid.apply(state.targets.get(wave)?.values() ?? []);
    },
    [],
  );

  const accept = useCallback(
    (next: Rollout) => {
      live.current.terminal = TERMINAL_ROLLOUT_STATES.includes(next.state);
      setRollout(next);
      // A back-out of a finished rollout starts a new phase: listen again from the last event.
      if (!TERMINAL_ROLLOUT_STATES.includes(next.state)) connect();
      schedule();
    },
    [connect, schedule],
  );

  return { rollout, error, events, streaming, gridRef, accept, reload: schedule };
}
