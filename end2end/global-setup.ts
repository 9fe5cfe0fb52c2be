// cargo-leptos starts the server and runs the tests at once: wait until it is ready.
export default async function globalSetup(): Promise<void> {
  const base = process.env.APP_PUBLIC_URL ?? "http://localhost:3000";
  const deadline = Date.now() + 60_000;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${base}/readyz`);
      if (response.ok) return;
      last = `HTTP ${response.status}: ${await response.text()}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the server at ${base} was not ready within 60 s (${last})`);
}
