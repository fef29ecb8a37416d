/**
 * The process groups of the actions running in this process, so that a process told to exit at
 * once (a second Ctrl-C) kills them instead of leaving them orphaned.
 */
const groups = new Map<number, string>();

export function trackGroup(pid: number, label: string): void {
  groups.set(pid, label);
}

export function untrackGroup(pid: number): void {
  groups.delete(pid);
}

/** SIGKILLs every running action's process group; returns what was killed (`<label> (pid N)`). */
export function killRunningGroups(): string[] {
  const killed: string[] = [];
  for (const [pid, label] of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
      killed.push(`${label} (pid ${pid})`);
    } catch {
      // ESRCH: the group is gone already.
    }
  }
  groups.clear();
  return killed;
}
