/**
 * Where a criterion key points in the event: `payload.a.b[0]['x-y']`, `trigger.…` (the same as
 * `payload.…`), `event.id|trigger|occurred_at`, and `item.…` inside a search pattern. A key
 * compiles once into a getter that walks own properties only.
 */
import type { Clock } from './operators.ts';

export interface CriteriaEvent {
  id: string;
  trigger: string;
  payload: Record<string, unknown>;
  occurredAt: string;
}

/** What a compiled criterion reads while matching one event. */
export interface EvalContext extends Clock {
  readonly event: CriteriaEvent;
  /** The list item a `search` pattern is looking at. */
  item: unknown;
}

export type Getter = (ctx: EvalContext) => unknown;

const PATH_HEAD = /^[^.[\]]+/;
const PATH_REST = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;

/** `payload.a.b[0]['x-y']` → ['payload', 'a', 'b', '0', 'x-y']; undefined if malformed. */
function splitPath(path: string): string[] | undefined {
  const head = PATH_HEAD.exec(path);
  if (!head) return undefined;
  const segs = [head[0]];
  for (let i = head[0].length; i < path.length; i = PATH_REST.lastIndex) {
    PATH_REST.lastIndex = i;
    const m = PATH_REST.exec(path);
    if (!m) return undefined;
    segs.push((m[1] ?? m[2] ?? m[3] ?? m[4]) as string);
  }
  return segs;
}

/** A getter for the key, or why the key is not valid here. */
export function compilePath(key: string, inSearch: boolean): Getter | string {
  // st2 "criteria tags": `payload.level#low` and `payload.level#high` name the same value
  const tag = key.indexOf('#');
  const segs = splitPath(tag >= 0 ? key.slice(0, tag) : key);
  if (!segs) return "malformed key (use dotted names, [0] or ['name'])";
  const [root, ...rest] = segs as [string, ...string[]];
  let getRoot: Getter;
  if (root === 'trigger' || root === 'payload') getRoot = (ctx) => ctx.event.payload;
  else if (root === 'event') {
    if (rest[0] === 'occurred_at') rest[0] = 'occurredAt';
    getRoot = (ctx) => ctx.event;
  } else if (root === 'item' && inSearch) getRoot = (ctx) => ctx.item;
  else if (root === 'item') return '"item." keys only exist inside a search pattern';
  else return `key must start with ${inSearch ? '"item.", ' : ''}"trigger.", "payload." or "event."`;
  const names = rest;
  const indexes = rest.map((s) => (/^\d+$/.test(s) ? Number(s) : -1));
  if (names.length === 0) return getRoot;
  return (ctx) => {
    let cur = getRoot(ctx);
    for (let i = 0; i < names.length; i++) {
      if (Array.isArray(cur)) {
        const idx = indexes[i] as number;
        if (idx < 0 || idx >= cur.length) return undefined;
        cur = cur[idx];
      } else if (typeof cur === 'object' && cur !== null) {
        const name = names[i] as string;
        if (!Object.hasOwn(cur, name)) return undefined;
        cur = (cur as Record<string, unknown>)[name];
      } else return undefined;
    }
    return cur;
  };
}
