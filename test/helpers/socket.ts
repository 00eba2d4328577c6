import { connect, type Socket } from "node:net";

export interface Exchange {
  /** Everything the server sent, as latin1 text (status lines and headers are ASCII). */
  text: string;
  /** The server closed the connection (or reset it) before the guard ran out. */
  closed: boolean;
}

/**
 * A raw TCP conversation with an HTTP server, for what fetch cannot do: stall mid-headers or
 * mid-body, half-close, hold connections open. `talk` writes; the result comes when the server
 * closes the connection, or after `guardMs` (a hang guard, not a timing assertion).
 */
export function exchange(baseUrl: string, talk: (socket: Socket) => void, guardMs = 20_000): Promise<Exchange> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let text = "";
    const timer = setTimeout(() => (socket.destroy(), resolve({ text, closed: false })), guardMs);
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => (clearTimeout(timer), resolve({ text, closed: true })));
    socket.on("connect", () => talk(socket));
  });
}

/** An open connection that sends nothing; resolves once connected. */
export function idleConnection(baseUrl: string): Promise<Socket> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.on("error", reject);
  });
}
