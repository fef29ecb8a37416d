/** pino, JSON, secrets redacted. */
import pino, { type Logger } from 'pino';

export const redactPaths = ['*.password', '*.token', '*.secret', 'parameters.*', '*.parameters.*'];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { pid: process.pid }, redact: { paths: redactPaths, censor: '********' } }, destination);
}
