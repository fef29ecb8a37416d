/** The Postgres pool: one schema per namespace or test file (search_path), int8 read as number. */
import postgres, { type Sql } from 'postgres';

export type { Sql };

export function createSql(url: string, schema: string, options: { max?: number } = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connect_timeout: 5,
    connection: { search_path: schema, application_name: 'attune' },
    types: {
      int8: {
        to: 20,
        from: [20],
        serialize: (x: number | bigint | string) => String(x),
        parse: (x: string) => Number(x),
      },
    },
  });
}

/** A pool or a transaction: what the repositories run their statements on. */
export type Queryable = postgres.ISql;
