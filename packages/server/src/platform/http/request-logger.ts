import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
type Level = (typeof LEVELS)[number];
type LogMethod = FastifyBaseLogger['info'];
/** pino loggers answer this; a logger that cannot gets a real child at once. */
type LevelAware = FastifyBaseLogger & { isLevelEnabled(level: string): boolean };

function isLevelAware(logger: FastifyBaseLogger): logger is LevelAware {
  return typeof (logger as Partial<LevelAware>).isLevelEnabled === 'function';
}

/**
 * A request's logger that becomes a real pino child only when something is logged through it.
 * Fastify makes a child logger (binding the request id) for every request; pino serialises the
 * bindings right away, which cost ~2 % of a simple GET although at the default levels most
 * requests log nothing. Below the parent's level a call is dropped without creating the child.
 */
class DeferredChildLogger {
  readonly #parent: LevelAware;
  readonly #bindings: Record<string, unknown>;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: LevelAware, bindings: Record<string, unknown>) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  #real(): FastifyBaseLogger {
    this.#child ??= this.#parent.child(this.#bindings);
    return this.#child;
  }

  get level(): string {
    return (this.#child ?? this.#parent).level;
  }

  set level(level: string) {
    this.#real().level = level;
  }

  #log(level: Level, args: Parameters<LogMethod>): void {
    if (this.#child === undefined && !this.#parent.isLevelEnabled(level)) return;
    (this.#real()[level] as (...a: unknown[]) => void)(...args);
  }

  fatal: LogMethod = (...args: Parameters<LogMethod>) => this.#log('fatal', args);
  error: LogMethod = (...args: Parameters<LogMethod>) => this.#log('error', args);
  warn: LogMethod = (...args: Parameters<LogMethod>) => this.#log('warn', args);
  info: LogMethod = (...args: Parameters<LogMethod>) => this.#log('info', args);
  debug: LogMethod = (...args: Parameters<LogMethod>) => this.#log('debug', args);
  trace: LogMethod = (...args: Parameters<LogMethod>) => this.#log('trace', args);
  silent: LogMethod = () => undefined;

  child(bindings: Record<string, unknown>, options?: Parameters<FastifyBaseLogger['child']>[1]): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }

  isLevelEnabled(level: string): boolean {
    return ((this.#child ?? this.#parent) as LevelAware).isLevelEnabled(level);
  }
}

/** Fastify's `childLoggerFactory`: deferred children, except for routes that set their own level. */
export const deferredChildLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger,
  bindings,
  options,
) =>
  (options && Object.keys(options).length > 0) || !isLevelAware(logger)
    ? logger.child(bindings, options)
    : (new DeferredChildLogger(logger, bindings) as unknown as FastifyBaseLogger);
