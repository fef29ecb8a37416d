/** pino, JSON, secrets redacted. */
import pino, { type Logger } from 'pino';

/** What a secret is replaced with in logs, rows, results and CLI output. */
export const SECRET_MASK = '********';

export const redactPaths = ['*.password', '*.token', '*.secret', 'parameters.*', '*.parameters.*'];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { pid: process.pid }, redact: { paths: redactPaths, censor: SECRET_MASK } }, destination);
}
