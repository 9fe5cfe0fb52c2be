import { test, expect, hydrated, allowConsoleErrors } from "./fixtures";

// The local Cognito started by the server under test (see playwright.config.ts for the app).
const cognitoURL = process.env.LOCAL_COGNITO_URL ?? "http://localhost:3100";
// Meets the local pool's password policy.
const password = "Correct-horse-9";

function freshEmail(label: string): string {
  return `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const hostedLogin = new RegExp(`^${escapeRegExp(cognitoURL)}/login\\?`);

test("a new user signs up on the hosted page, lands on /security, and signs out", async ({ page, consoleErrors }) => {
  const email = freshEmail("e2e");
  await page.goto("/");
  await page.getByRole("link", { name: "Sign in" }).click();

  await expect(page).toHaveURL(hostedLogin);
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();

  await expect(page).toHaveURL(/\/security$/);
  await expect(page.getByRole("heading", { name: "Sign-in methods" })).toBeVisible();
  await expect(page.getByText(`Signed in as ${email}`)).toBeVisible();
  await hydrated(page);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signed-out$/);
  await expect(page.getByRole("heading", { name: "You are signed out" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Sign in again" })).toBeVisible();

  // Signed out for real: no cookie left, and the hosted page asks for a password again.
  expect((await page.context().cookies()).map((cookie) => cookie.name)).not.toContain("session-access");
  await page.goto("/security");
  await expect(page).toHaveURL(hostedLogin);
  await expect(page.getByRole("button", { name: /Continue as/ })).toHaveCount(0);
  expect(consoleErrors).toEqual([]);
});

test("/security while signed out leads to sign-in, and back after it", async ({ page }) => {
  await page.goto("/security");
  await expect(page).toHaveURL(hostedLogin);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();

  await page.getByLabel("Email address").fill("demo@example.com");
  await page.getByLabel("Password").fill("Demo-password-1");
  await page.getByRole("button", { name: "Sign in" }).click();

  await expect(page).toHaveURL(/\/security$/);
  await expect(page.getByText("Signed in as demo@example.com")).toBeVisible();
});

test("a wrong password is refused on the hosted page", async ({ page, consoleErrors }) => {
  await page.goto("/auth/sign-in");
  await page.getByLabel("Email address").fill("demo@example.com");
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Incorrect username or password.");
  await expect(page).toHaveURL(hostedLogin);
  // The hosted page answers a refused password with 400, as Cognito's does.
  allowConsoleErrors(consoleErrors, /status of 400/);
});

test("a cookie holding a forged token is treated as signed out", async ({ page, request, baseURL }) => {
  // A genuine token of the pool, but not encrypted by the app: a cookie the app never set.
  const minted = await request.post(`${cognitoURL}/_local/mint`, { data: { email: "demo@example.com" } });
  expect(minted.ok()).toBe(true);
  const { token } = await minted.json();
  const unsigned = [
    Buffer.from(JSON.stringify({ alg: "none", kid: "x" })).toString("base64url"),
    token.split(".")[1],
    "",
  ].join(".");

  for (const value of [token, unsigned, "forged"]) {
    await page.context().clearCookies();
    await page.context().addCookies([{ name: "session-access", value, url: baseURL! }]);
    await page.goto("/security");
    await expect(page).toHaveURL(hostedLogin);

    const me = await page.request.post("/api/me", { form: {}, headers: { Origin: new URL(baseURL!).origin } });
    expect(me.status()).toBe(401);
    expect(await me.json()).toBe("NotSignedIn");
  }
});

test("a failed sign-in shows the signed-out page with a way back in", async ({ page, consoleErrors }) => {
  await page.goto("/auth/callback?error=access_denied&state=whatever");
  await expect(page).toHaveURL(/\/signed-out\?reason=cancelled$/);
  await expect(page.getByRole("heading", { name: "Sign-in was cancelled" })).toBeVisible();
  await page.getByRole("link", { name: "Sign in again" }).click();
  await expect(page).toHaveURL(hostedLogin);
  expect(consoleErrors).toEqual([]);
});
