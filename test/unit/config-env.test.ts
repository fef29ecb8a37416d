/** resolveConfig reads retention from the environment (pure: the environment is given). */
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/config.ts';

const DAY = 24 * 3600 * 1000;

describe('retention from the environment', () => {
  it('defaults without variables: 30 days, hourly, 500 rows', () => {
    expect(resolveConfig({}, {}).retention).toEqual({ maxAgeMs: 30 * DAY, everyMs: 3_600_000, batchSize: 500 });
  });

  it('ATTUNE_RETENTION_DAYS, ATTUNE_RETENTION_EVERY_MS and ATTUNE_RETENTION_BATCH_SIZE set them', () => {
    const env = { ATTUNE_RETENTION_DAYS: '7', ATTUNE_RETENTION_EVERY_MS: '60000', ATTUNE_RETENTION_BATCH_SIZE: '100' };
    expect(resolveConfig({}, env).retention).toEqual({ maxAgeMs: 7 * DAY, everyMs: 60_000, batchSize: 100 });
    expect(resolveConfig({}, { ATTUNE_RETENTION_DAYS: '0.5' }).retention.maxAgeMs).toBe(DAY / 2);
    expect(resolveConfig({}, { ATTUNE_RETENTION_DAYS: ' 90 ' }).retention).toEqual({ maxAgeMs: 90 * DAY, everyMs: 3_600_000, batchSize: 500 });
  });

  it('an option given in code wins over the variable, each on its own', () => {
    const env = { ATTUNE_RETENTION_DAYS: '7', ATTUNE_RETENTION_BATCH_SIZE: '100' };
    expect(resolveConfig({ retention: { maxAgeMs: DAY } }, env).retention).toEqual({ maxAgeMs: DAY, everyMs: 3_600_000, batchSize: 100 });
  });

  it.each([
    ['ATTUNE_RETENTION_DAYS', 'thirty', /ATTUNE_RETENTION_DAYS must be a number of days.*got "thirty"/],
    ['ATTUNE_RETENTION_DAYS', '-3', /ATTUNE_RETENTION_DAYS must be a number of days/],
    ['ATTUNE_RETENTION_DAYS', '0', /ATTUNE_RETENTION_DAYS must be a number of days, at least one minute/],
    ['ATTUNE_RETENTION_DAYS', '', /ATTUNE_RETENTION_DAYS must be/],
    ['ATTUNE_RETENTION_DAYS', '1e3', /ATTUNE_RETENTION_DAYS must be/],
    ['ATTUNE_RETENTION_EVERY_MS', '500', /ATTUNE_RETENTION_EVERY_MS must be a whole number of milliseconds, at least 1000, got "500"/],
    ['ATTUNE_RETENTION_EVERY_MS', '1h', /ATTUNE_RETENTION_EVERY_MS must be/],
    ['ATTUNE_RETENTION_BATCH_SIZE', '0', /ATTUNE_RETENTION_BATCH_SIZE must be a whole number from 1 to 10000, got "0"/],
    ['ATTUNE_RETENTION_BATCH_SIZE', '20000', /ATTUNE_RETENTION_BATCH_SIZE must be/],
    ['ATTUNE_RETENTION_BATCH_SIZE', '2.5', /ATTUNE_RETENTION_BATCH_SIZE must be/],
  ])('%s=%j is refused with a ConfigError naming it', (name, value, message) => {
    expect(() => resolveConfig({}, { [name]: value })).toThrow(ConfigError);
    expect(() => resolveConfig({}, { [name]: value })).toThrow(message);
  });
});
