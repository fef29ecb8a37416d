/** Capped capture of a child's stdout/stderr, and the structured result built from them. */

/** Longest part of a stderr line quoted in a failure reason. */
const REASON_LINE_MAX = 500;

/**
 * Length of the longest prefix of `buf` that does not end inside a UTF-8 sequence, so a cut
 * at the byte cap never leaves half a character (decoded as U+FFFD) at the end.
 */
function utf8Boundary(buf: Buffer): number {
  const len = buf.length;
  for (let i = len - 1; i >= 0 && i >= len - 4; i--) {
    const b = buf[i] ?? 0;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    if (b < 0x80) return len;
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    return i + need <= len ? len : i;
  }
  return len;
}

export function truncationNotice(droppedBytes: number): string {
  return `…[truncated: ${droppedBytes} more bytes]`;
}

/**
 * Keeps the first `limitBytes` bytes of a stream and counts the rest. `text()` decodes as UTF-8
 * and, when something was dropped, ends with a line saying how many bytes were cut.
 */
export class OutputCapture {
  readonly #limit: number;
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  #dropped = 0;

  constructor(limitBytes: number) {
    this.#limit = Number.isFinite(limitBytes) ? Math.max(0, Math.floor(limitBytes)) : Number.MAX_SAFE_INTEGER;
  }

  push(chunk: Buffer): void {
    const room = this.#limit - this.#kept;
    if (chunk.length <= room) {
      this.#chunks.push(chunk);
      this.#kept += chunk.length;
      return;
    }
    if (room > 0) {
      this.#chunks.push(chunk.subarray(0, room));
      this.#kept += room;
    }
    this.#dropped += chunk.length - Math.max(room, 0);
  }

  get truncated(): boolean {
    return this.#dropped > 0;
  }

  text(): string {
    const only = this.#chunks.length === 1 ? this.#chunks[0] : undefined;
    const buf = only ?? Buffer.concat(this.#chunks, this.#kept);
    if (this.#dropped === 0) return buf.toString('utf8');
    const cut = utf8Boundary(buf);
    const kept = buf.toString('utf8', 0, cut);
    const sep = kept === '' || kept.endsWith('\n') ? '' : '\n';
    return `${kept}${sep}${truncationNotice(this.#dropped + buf.length - cut)}`;
  }
}

/**
 * A structured result (an in-process handler's) whose JSON passes `limitBytes` becomes
 * `{ truncated: true, bytes, preview }`: the first `limitBytes` of its JSON, ending with the
 * truncation notice. Smaller results are kept as they are.
 */
export function capResult(result: Record<string, unknown>, limitBytes: number): Record<string, unknown> {
  const json = JSON.stringify(result);
  if (json.length * 3 <= limitBytes) return result;
  const bytes = Buffer.byteLength(json);
  if (bytes <= limitBytes) return result;
  const capture = new OutputCapture(limitBytes);
  capture.push(Buffer.from(json));
  return { truncated: true, bytes, preview: capture.text() };
}

/** The last line of `text` that is not blank, trimmed; null when there is none. */
export function lastNonEmptyLine(text: string): string | null {
  let end = text.length;
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end).trim();
    if (line !== '') return line;
    end = start - 1;
  }
  return null;
}

/** The fields of a JSON object printed as the last non-empty stdout line, or null. */
export function parseResultLine(stdout: string): Record<string, unknown> | null {
  const line = lastNonEmptyLine(stdout);
  if (line === null || !line.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Not JSON: the last line is plain output.
  }
  return null;
}

/**
 * `{ stdout, stderr, exit_code }` plus the fields of a JSON object last line (when `parseJson`).
 * The three standard fields win over same-named fields of the JSON line, so they stay truthful.
 */
export function buildResult(stdout: string, stderr: string, exitCode: number | null, parseJson: boolean): Record<string, unknown> {
  const parsed = parseJson ? parseResultLine(stdout) : null;
  return { ...parsed, stdout, stderr, exit_code: exitCode };
}

/** `exit code N`, plus the last stderr line when there is one. */
export function exitReason(exitCode: number, stderr: string): string {
  const line = lastNonEmptyLine(stderr);
  if (line === null) return `exit code ${exitCode}`;
  const quoted = line.length > REASON_LINE_MAX ? `${line.slice(0, REASON_LINE_MAX)}…` : line;
  return `exit code ${exitCode}: ${quoted}`;
}
