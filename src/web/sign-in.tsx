import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { errorMessage } from "./api.js";

type Session = { required: boolean; signedIn: boolean; account?: string; scope?: string };

/**
 * Shows the dashboard once the server lets this browser in: at once on an open server, else
 * after a sign-in with a token. The server answers with an HttpOnly cookie, so no script here
 * ever holds the token after the form is sent.
 */
export function SignInGate({ children }: { children: ComponentChildren }) {
  const [session, setSession] = useState<Session>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    fetch("/api/session")
      .then((r) => r.json() as Promise<{ result: Session }>)
      .then((body) => setSession(body.result))
      .catch((e: Error) => setError(`Could not reach the server: ${e.message}`));
  }, []);

  if (session && (!session.required || session.signedIn)) return <>{children}</>;

  const signIn = async (event: Event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const token = (new FormData(form).get("token") as string | null)?.trim() ?? "";
    setBusy(true);
    setError(undefined);
    try {
      const response = await fetch("/api/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token }) });
      const body = (await response.json()) as { result: Session };
      if (!response.ok) throw new Error(errorMessage(body, `${response.status}`));
      form.reset();
      setSession({ ...body.result, required: true, signedIn: true });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="content" class="sign-in">
      <h1>Sign in to Outpost</h1>
      {session && (
        <form onSubmit={signIn}>
          <label for="token">API token</label>
          <input id="token" name="token" type="password" autocomplete="off" placeholder="opk_…" required />
          <button type="submit" disabled={busy}>
            Sign in
          </button>
          <p class="hint">
            Create one with <code>outpost tokens create --account &lt;id&gt; --scope read</code>.
          </p>
        </form>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </main>
  );
}
