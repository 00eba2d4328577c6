import { spawn } from "node:child_process";
import { OutpostError } from "../../contract/index.js";

/** A program the engine runs, and the Debian package that installs it. */
export interface Program {
  command: string;
  debianPackage: string;
}

export interface ProgramRun {
  args: string[];
  /** Written to the program's standard input, which is then closed. */
  input: Uint8Array;
  /** The most bytes of standard output accepted; past it the program is killed and the job refused. */
  maxOutputBytes: number;
  /** Wall-clock limit: a program still running then is killed. */
  timeoutMs: number;
  signal: AbortSignal;
}

/** Bytes of stderr kept for the error message: its last line is what the program said. */
const STDERR_KEEP_BYTES = 4_096;

/** The error for a program this machine lacks, naming the package that provides it. */
export function missingProgram(program: Program, cause?: unknown): OutpostError {
  return new OutpostError(
    "ENGINE_UNAVAILABLE",
    `The espeak engine needs the ${program.command} program, which is not installed here: install the Debian package ${program.debianPackage} (apt-get install ${program.debianPackage})`,
    { cause },
  );
}

/**
 * Runs `program` once, arguments as an array (never through a shell), and resolves with its
 * standard output. Aborting `signal`, passing `maxOutputBytes` or `timeoutMs` kill it at once.
 */
export function runProgram(program: Program, run: ProgramRun): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    if (run.signal.aborted) return reject(new OutpostError("ABORTED", "The request was cancelled"));
    const child = spawn(program.command, run.args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = "";
    let failure: OutpostError | undefined;
    const stop = (error: OutpostError) => {
      failure ??= error;
      child.kill("SIGKILL");
    };
    const onAbort = () => stop(new OutpostError("ABORTED", "The request was cancelled"));
    run.signal.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => stop(new OutpostError("TIMEOUT", `${program.command} ran longer than ${run.timeoutMs} ms`)), run.timeoutMs);

    child.stdout.on("data", (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > run.maxOutputBytes) return stop(new OutpostError("INPUT_TOO_LARGE", `The speech would be longer than ${run.maxOutputBytes} bytes of audio; send a shorter prompt`));
      out.push(chunk);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_KEEP_BYTES)));
    // The program may exit before reading all its input (a bad voice): its exit says why, not EPIPE.
    child.stdin.on("error", () => undefined);
    child.stdin.end(run.input);

    const settle = () => {
      clearTimeout(timer);
      run.signal.removeEventListener("abort", onAbort);
    };
    child.once("error", (error: NodeJS.ErrnoException) => {
      settle();
      reject(error.code === "ENOENT" ? missingProgram(program, error) : new OutpostError("INTERNAL", `${program.command} could not start: ${error.message}`, { cause: error }));
    });
    child.once("close", (code, signal) => {
      settle();
      if (failure) return reject(failure);
      if (code === 0) return resolve(Buffer.concat(out));
      const said = stderr.trim().split("\n").at(-1) ?? "";
      reject(new OutpostError("INTERNAL", `${program.command} failed (${signal ?? `exit ${code}`})${said ? `: ${said}` : ""}`));
    });
  });
}
