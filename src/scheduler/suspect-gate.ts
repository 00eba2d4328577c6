/**
 * Lets a crash suspect run alone on its model's runner: it takes the gate once no other suspect
 * holds it, waits until the runner is not `busy` with other requests, and holds the gate until
 * its first output, so a crash in that time is its own. Every other request waits at the gate.
 */
export class SuspectGate {
  #held: Promise<void> | undefined;
  #waiting: (() => void)[] = [];

  /** Resolves with `leave`, to call once the request's first output came or it failed. */
  async enter(suspect: boolean, busy: () => boolean): Promise<() => void> {
    while (this.#held) await this.#held;
    if (!suspect) return () => undefined;
    let open!: () => void;
    this.#held = new Promise<void>((resolve) => (open = resolve));
    while (busy()) await new Promise<void>((wake) => this.#waiting.push(wake));
    return () => {
      this.#held = undefined;
      open();
    };
  }

  /** A request ended or the runner crashed: a suspect waiting for an idle runner looks again. */
  landed(): void {
    for (const wake of this.#waiting.splice(0)) wake();
  }
}
