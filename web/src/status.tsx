/** A status as a coloured badge; the word is always shown, so colour is never the only cue. */
export function Status({ status }: { status: string }) {
  return <span class={`status s-${status}`}>{status}</span>;
}
