import { pino, type DestinationStream, type Logger } from 'pino';

export interface LoggerOptions {
  /** `WEIR_LOG_LEVEL`: `fatal` ... `trace`, or `silent`. */
  level: string;
  /** Where the JSON lines go; default stdout. Tests pass a stream to read them. */
  destination?: DestinationStream;
}

/**
 * Weir's logger: pino, JSON lines. One logger for the process, shared by the HTTP server (Fastify's
 * `loggerInstance`), the engine's run log and startup, so every line has one shape. Whatever a line
 * carries, the credential headers and request bodies are redacted by path, a second fence behind
 * the rule that no line is given a secret in the first place.
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = {
    level: options.level,
    redact: ['req.headers.authorization', 'req.headers["api-token"]', 'req.body', 'res.headers["set-cookie"]'],
  };
  // Without a destination pino writes to stdout synchronously, as Fastify's own logger does.
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
