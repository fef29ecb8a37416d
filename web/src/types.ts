/** The shapes the API returns (see /api/v1/openapi.json). */

export interface Execution {
  id: number;
  action_ref: string;
  parameters: Record<string, unknown>;
  status: string;
  status_reason: string | null;
  result: Record<string, unknown> | null;
  exit_code: number | null;
  stdout: string | null;
  stderr: string | null;
  worker_id: string | null;
  trace: string;
  attempt: number;
  retry_of: number | null;
  /** The workflow this is a task of, and the task's name (and item index in a with-items task). */
  parent_id: number | null;
  task_name: string | null;
  item_index: number | null;
  requested_at: string;
  scheduled_at: string | null;
  started_at: string | null;
  finished_at: string | null;
}

export interface Change {
  id: number;
  status: string;
  action: string;
  worker: string | null;
  durationMs: number | null;
}

export interface Page<T> {
  items: T[];
  next?: number | null;
}

/** What a rule made of one event (`GET /rules/{ref}/enforcements`). */
export interface Enforcement {
  id: number;
  event_id: string;
  /** `created`, `failed`, or what flow control decided: `throttled`, `debounced`, `deduplicated`. */
  status: string;
  flow_key: string | null;
  reason: string | null;
  execution_id: number | null;
  created_at: string;
}
