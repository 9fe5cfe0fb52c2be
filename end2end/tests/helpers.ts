import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, type APIRequestContext, type Locator, type Page } from "@playwright/test";

import { hydrated, test } from "./fixtures";

/// The app and the local emulators under test (the defaults are what `make test` starts).
export const appURL = process.env.APP_PUBLIC_URL ?? "http://localhost:3000";
export const cognitoURL = process.env.LOCAL_COGNITO_URL ?? "http://localhost:3100";
export const authsignalURL = process.env.LOCAL_AUTHSIGNAL_URL ?? "http://localhost:3200";

/// Meets the local pool's password policy.
export const PASSWORD = "Correct-horse-9";

export function freshEmail(label: string): string {
  return `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/// Signs a new person up on the hosted page and lands on `/security` (hydrated, unless the page
/// runs without JavaScript).
export async function signUp(page: Page, label: string, { javaScript = true } = {}): Promise<string> {
  const email = freshEmail(label);
  await page.goto("/security");
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/security$/);
  if (javaScript) await hydrated(page);
  return email;
}

/// The newest code the local Authsignal "sent" to `address`.
export async function latestCode(request: APIRequestContext, address: string): Promise<string> {
  let messages: { code: string }[] = [];
  await expect
    .poll(async () => {
      const response = await request.get(`${authsignalURL}/_local/outbox?to=${encodeURIComponent(address)}`);
      messages = await response.json();
      return messages.length;
    })
    .toBeGreaterThan(0);
  return messages[0].code;
}

/// How many codes were sent to `address`.
export async function codesSent(request: APIRequestContext, address: string): Promise<number> {
  const response = await request.get(`${authsignalURL}/_local/outbox?to=${encodeURIComponent(address)}`);
  return (await response.json()).length;
}

/// The code sent to `address` after `before` codes had been: waits for it.
export async function nextCode(request: APIRequestContext, address: string, before: number): Promise<string> {
  await expect.poll(() => codesSent(request, address)).toBeGreaterThan(before);
  return latestCode(request, address);
}

/// The email methods each page added through `addEmailCode`, first first: what a step-up uses.
const added = new WeakMap<Page, string[]>();

/// Adds an email code through the page, reading the code from the outbox. When the page asks to
/// verify it's the person first, the first address this page added answers.
export async function addEmailCode(page: Page, address: string): Promise<void> {
  const rows = page.getByRole("list", { name: "Your sign-in methods" }).getByRole("listitem");
  const before = await rows.count();
  const form = page.getByRole("region", { name: "Add an email code" });
  await form.getByLabel("Email address").fill(address);
  const sent = await codesSent(page.request, address);
  await form.getByRole("button", { name: "Send code" }).click();
  const codeField = form.getByLabel("6-digit code");
  const dialog = stepUpDialog(page);
  await expect(codeField.or(dialog)).toBeVisible();
  if (await dialog.isVisible()) {
    await passStepUp(page, (added.get(page) ?? [])[0]);
  }
  // The code field shows once the code is sent: the newest code is that one, even when the
  // step-up sent its own to the same address.
  await expect(codeField).toBeVisible();
  await codeField.fill(await nextCode(page.request, address, sent));
  await form.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Email code for ${address} added.` })).toBeAttached();
  await expect(rows).toHaveCount(before + 1);
  added.set(page, [...(added.get(page) ?? []), address]);
}

/// Verifies it's the person now, from the page's own "Verify it's you" button.
export async function stepUpNow(page: Page, address: string): Promise<void> {
  await page.getByRole("button", { name: "Verify it's you" }).click();
  await passStepUp(page, address);
  await expect(page.getByRole("button", { name: "End now" })).toBeVisible();
}

export function stepUpDialog(page: Page) {
  return page.getByRole("dialog", { name: "Verify it's you" });
}

/// Answers the open step-up dialog with the email code sent to `address`.
export async function passStepUp(page: Page, address: string): Promise<void> {
  const dialog = stepUpDialog(page);
  await dialog.getByRole("radio", { name: `Email code ${mask(address)}`, exact: true }).check();
  const sent = await codesSent(page.request, address);
  await dialog.getByRole("button", { name: "Send code" }).click();
  await dialog.getByLabel("6-digit code").fill(await nextCode(page.request, address, sent));
  await dialog.getByRole("button", { name: "Verify" }).click();
  await expect(dialog).toBeHidden();
}

/// `jane@example.com` → `j•••@example.com`, as the page shows it.
export function mask(address: string): string {
  const [local, domain] = address.split("@");
  return `${local[0]}•••@${domain}`;
}

/// Calls one of the app's server functions from the signed-in page, as the page itself would.
export async function callServerFunction(
  page: Page,
  name: string,
  form: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> {
  return page.evaluate(
    async ({ name, form }) => {
      const response = await fetch(`/api/${name}`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: new URLSearchParams(form).toString(),
      });
      return { status: response.status, body: await response.json() };
    },
    { name, form },
  );
}

/// The Cognito `sub` of the signed-in person (the local pool's usernames are their subs), which
/// is their Authsignal user id.
export async function userId(page: Page): Promise<string> {
  const me = await callServerFunction(page, "me");
  return (me.body as { username: string }).username;
}

/// The local Authsignal's Server API credentials, from its data directory.
function authsignalSecret(): string {
  const root = path.join(__dirname, "..", "..");
  const dataDir = path.resolve(root, process.env.LOCAL_DATA_DIR ?? "target/local-data");
  const installation = JSON.parse(readFileSync(path.join(dataDir, "authsignal", "installation.json"), "utf8"));
  return installation.secret;
}

/// Gives a user a method directly through Authsignal's Server API ("enroll verified
/// authenticator"), as an operator could: the way to give someone a passkey in tests.
export async function enrollVerified(
  request: APIRequestContext,
  user: string,
  body: Record<string, unknown>,
): Promise<void> {
  const response = await request.post(`${authsignalURL}/v1/users/${encodeURIComponent(user)}/authenticators`, {
    headers: { Authorization: `Basic ${Buffer.from(`${authsignalSecret()}:`).toString("base64")}` },
    data: body,
  });
  expect(response.ok(), await response.text()).toBe(true);
}

/// Moves the local Authsignal's clock forward (tokens and codes expire after 10 minutes).
export async function advanceAuthsignalClock(request: APIRequestContext, seconds: number): Promise<void> {
  const response = await request.post(`${authsignalURL}/_local/clock`, { data: { advanceSeconds: seconds } });
  expect(response.ok()).toBe(true);
}

/// The code an authenticator app shows for `secret` (base32) at `at` (ms): RFC 6238 with
/// SHA-1, 6 digits and 30-second steps, as the apps compute it.
export function totp(secret: string, at: number = Date.now()): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of secret.replace(/[\s=]/g, "").toUpperCase()) {
    bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  }
  const key = Buffer.from((bits.match(/.{8}/g) ?? []).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return ((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).toString().padStart(6, "0");
}

/// A platform authenticator in the page's browser, through the DevTools WebAuthn domain: it
/// answers every prompt at once, as a person touching the sensor would, until told not to.
export async function virtualAuthenticator(page: Page) {
  const devtools = await page.context().newCDPSession(page);
  await devtools.send("WebAuthn.enable");
  const { authenticatorId } = await devtools.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    /// From now on the person declines the prompt (the browser says NotAllowedError).
    decline: () => devtools.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified: false }),
    credentials: async () => (await devtools.send("WebAuthn.getCredentials", { authenticatorId })).credentials,
  };
}

/// The rows of the person's methods (not the activity log's entries).
/// A time's exact moment on hover is written as the browser writes it in its own zone (the page
/// rewrites what the server wrote before it knew that zone).
export async function expectExactTimeInBrowserZone(time: Locator): Promise<void> {
  const inZone = await time.evaluate((element, locale) =>
    new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(element.getAttribute("datetime")!)),
    "en-GB",
  );
  await expect(time).toHaveAttribute("title", inZone);
}

export function methodRows(page: Page) {
  return page.getByRole("list", { name: "Your sign-in methods" }).getByRole("listitem");
}

/// No accessibility violations axe can find in the page as it is now (`state` names it).
export async function noViolations(page: Page, state: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations, `${state}: ${JSON.stringify(results.violations, null, 2)}`).toEqual([]);
}

/// The step-up banner: whether changes are allowed now.
export function banner(page: Page) {
  return page.locator(".step-up");
}

/// Opens one kind in "Add a method"; answers its region.
export async function choose(page: Page, kind: string, title: string) {
  const button = page.getByRole("group", { name: "Kind of method" }).getByRole("button", { name: kind });
  await button.click();
  await expect(button).toHaveAttribute("aria-pressed", "true");
  const region = page.getByRole("region", { name: title });
  await expect(region).toBeVisible();
  return region;
}

/// A number no other test uses: +64 21 then seven digits.
export function freshPhone(): string {
  return `+6421${Math.floor(1_000_000 + Math.random() * 8_999_999)}`;
}

/// Adds an authenticator app from the key on the page; answers the key.
export async function addApp(page: Page): Promise<string> {
  const region = await choose(page, "Authenticator app", "Add an authenticator app");
  await region.getByRole("button", { name: "Set up an app" }).click();
  await expect(region.getByRole("img", { name: /^QR code for your authenticator app/ })).toBeVisible();
  const secret = (await region.getByRole("code").textContent())!.replace(/\s/g, "");
  await region.getByLabel("6-digit code from the app").fill(totp(secret));
  await region.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Authenticator app added." })).toBeAttached();
  return secret;
}

/// Steps up in the open dialog with the app: a code of the next time step, since this one's may
/// have been used already.
export async function stepUpWithApp(page: Page, secret: string): Promise<void> {
  const dialog = stepUpDialog(page);
  await dialog.getByRole("radio", { name: "Authenticator app", exact: true }).check();
  await dialog.getByRole("button", { name: "Continue" }).click();
  await expect(dialog).toContainText("Enter the 6-digit code your authenticator app shows now.");
  await expect(dialog.getByRole("button", { name: "Resend code" })).toHaveCount(0);
  await dialog.getByLabel("6-digit code").fill(totp(secret, Date.now() + 30_000));
  await dialog.getByRole("button", { name: "Verify" }).click();
  await expect(dialog).toBeHidden();
}

/// The local mail server's messages to `address`, newest first.
export async function mailTo(page: Page, address: string): Promise<{ subject: string; text: string }[]> {
  const response = await page.request.get(`${authsignalURL}/_local/mail?to=${encodeURIComponent(address)}`);
  return response.json();
}

/// Saves the page as a person sees it at 360 and 1280 px wide, among the test's results
/// (`end2end/test-results/`), for a reviewer to look at.
/// Saves the page at 360 and 1280 px, and checks at each width that no control sticks out of
/// the card it sits in (a nowrap label can, without making the page any wider).
export async function screenshots(page: Page, name: string): Promise<void> {
  const before = page.viewportSize();
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    await page.screenshot({ path: test.info().outputPath(`${name}-${width}.png`), fullPage: true });
    const outside = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>(".card button, .card .button, .card select, .card input")]
        .filter((element) => element.offsetParent !== null && !element.closest(".visually-hidden"))
        .filter((element) => {
          const box = element.getBoundingClientRect();
          const card = element.closest(".card")!.getBoundingClientRect();
          return box.left < card.left - 0.5 || box.right > card.right + 0.5;
        })
        .map((element) => element.textContent?.trim() || element.getAttribute("aria-label") || element.tagName),
    );
    expect(outside, `${name} at ${width} px: controls outside their card`).toEqual([]);
  }
  if (before) await page.setViewportSize(before);
}
