/** One thing on the forward schedule of change: a change, a freeze occurrence, a release, a rollout … */
export interface CalendarEvent {
  /** Stable per event (per occurrence for recurring windows): calendar clients key on it. */
  uid: string;
  /** The source that produced it (`changes`, `freezes`, `maintenance`; later `releases`, `rollouts`). */
  source: string;
  kind: string;
  objectType: string;
  objectId: number;
  title: string;
  description: string;
  /** ISO-8601 UTC. */
  start: string;
  end: string;
  /** The object's state (`scheduled`, `hard` …) for display and iCalendar STATUS. */
  status: string;
  /** API path of the object. */
  url: string;
  details: Record<string, unknown>;
  /** When the object last changed (iCalendar DTSTAMP / LAST-MODIFIED) and its version (SEQUENCE). */
  updatedAt: string;
  version: number;
}

/** A provider of calendar events; domains register theirs at start. */
export interface CalendarSource {
  name: string;
  /** Events overlapping [from, to), ISO-8601 UTC. */
  events(from: string, to: string): Promise<CalendarEvent[]>;
}

/**
 * The change calendar as a registry of sources, so releases and rollouts plug in with
 * `ctx.calendar.register(...)` without the calendar knowing them. `GET /api/v1/calendar` and the
 * iCalendar feed read every registered source.
 */
export class CalendarRegistry {
  readonly #sources = new Map<string, CalendarSource>();

  register(source: CalendarSource): void {
    if (this.#sources.has(source.name)) throw new Error(`Calendar source ${source.name} is already registered`);
    this.#sources.set(source.name, source);
  }

  get sourceNames(): string[] {
    return [...this.#sources.keys()];
  }

  /** Events of the named sources (default: all), sorted by start, then uid. Unknown names are ignored. */
  async events(
    from: string,
    to: string,
    names?: readonly string[],
  ): Promise<{ sources: string[]; events: CalendarEvent[] }> {
    const sources = [...this.#sources.values()].filter((s) => !names || names.includes(s.name));
    const lists = await Promise.all(sources.map((s) => s.events(from, to)));
    const events = lists.flat().sort((a, b) => a.start.localeCompare(b.start) || a.uid.localeCompare(b.uid));
    return { sources: sources.map((s) => s.name), events };
  }
}
