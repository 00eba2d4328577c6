/** Process facts from Linux /proc: memory, CPU time, children. */
import { readdirSync, readFileSync } from "node:fs";

export function vmRssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match?.[1] ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0; // the process exited between listing and reading
  }
}

/** Fields of /proc/<pid>/stat after the ")" closing the command name (state is index 0). */
function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined; // the process exited between listing and reading
  }
}

/** utime + stime (stat fields 14 and 15) in ms; Linux reports them in USER_HZ = 100 ticks/s. */
export function cpuMsOf(pid: number): number {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) * 10 : 0;
}

/**
 * CPU time of all a process's threads in µs, to the nanosecond (each thread's
 * /proc/<pid>/task/<tid>/schedstat, run time first): for costs of tens of µs a request, where
 * cpuMsOf's 10 ms ticks would need thousands of requests a round. A thread that ends between
 * listing and reading takes its time with it, so use it on processes whose threads stay.
 */
export function cpuUsOf(pid: number): number {
  let ns = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        // the thread ended between listing and reading
      }
    }
  } catch {
    return 0; // the process exited
  }
  return ns / 1000;
}

/** A process's command line as it shows it (Node's `process.title` replaces it), "" once it has exited. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").trim();
  } catch {
    return "";
  }
}

/** Every process below `pid`, from each /proc/<pid>/stat's parent field. */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(entry)?.[1]);
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const found: number[] = [];
  const walk = (p: number) => {
    for (const child of parents.get(p) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

export interface MachineTicks {
  /** CPU time the whole machine spent busy (all cores, all processes, steal included) since boot, ms. */
  busyMs: number;
  /** Time the hypervisor ran someone else while this machine's vCPUs wanted to run, ms. */
  stealMs: number;
  /** All of it, idle included, ms. */
  totalMs: number;
}

/** The machine's CPU time since boot, from /proc/stat. */
export function machineTicks(): MachineTicks {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  // cpu user nice system idle iowait irq softirq steal …, in USER_HZ (100/s) ticks.
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busyMs: busy * 10, stealMs: steal * 10, totalMs: (busy + idle + iowait) * 10 };
}
