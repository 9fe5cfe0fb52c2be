import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { test, expect, hydrated, allowConsoleErrors } from "./fixtures";
import {
  addEmailCode,
  advanceAuthsignalClock,
  appURL,
  authsignalURL,
  codesSent,
  freshEmail,
  latestCode,
  mask,
  signUp,
  methodRows,
} from "./helpers";

/// Makes the local Authsignal fail on `path` (see docs/emulators.md, "The local Authsignal").
async function fault(request: import("@playwright/test").APIRequestContext, path: string, fault: object) {
  const response = await request.post(`${authsignalURL}/_local/faults`, { data: { rules: [{ path, fault }] } });
  expect(response.status()).toBe(204);
}

test.afterEach(async ({ request }) => {
  await request.delete(`${authsignalURL}/_local/faults`);
});

/// An attacker's site on another port of localhost: another origin, but the same site, so the
/// browser sends the victim's SameSite=Lax session cookies along with its requests.
async function attackerSite(id: string): Promise<{ server: Server; origin: string }> {
  const target = `${appURL}/api/remove_authenticator`;
  const server = createServer((request, response) => {
    response.setHeader("Content-Type", "text/html");
    if (request.url === "/form") {
      response.end(`<form method="post" action="${target}">
          <input name="id" value="${id}"><input name="accepts_no_fallback" value="true">
        </form><script>document.forms[0].submit()</script>`);
    } else {
      response.end(`<script>
          fetch(${JSON.stringify(target)}, {
            method: "POST", mode: "no-cors", credentials: "include",
            headers: { "Content-Type": "application/x-www-form-urlencoded" },
            body: "id=${id}&accepts_no_fallback=true",
          }).finally(() => { document.title = "sent"; });
        </script>`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `http://localhost:${(server.address() as AddressInfo).port}` };
}

test("a form and a fetch from another site cannot remove a method", async ({ page, context, consoleErrors }) => {
  await signUp(page, "csrf");
  const keep = freshEmail("keep");
  const target = freshEmail("target");
  await addEmailCode(page, keep);
  await addEmailCode(page, target);
  const row = methodRows(page).filter({ hasText: mask(target) });
  const id = (await row.getAttribute("id"))!.replace("authenticator-", "");

  const { server, origin } = await attackerSite(id);
  try {
    const evil = await context.newPage();
    for (const path of ["/form", "/fetch"]) {
      const refused = evil.waitForResponse((response) => response.url().endsWith("/api/remove_authenticator"));
      await evil.goto(`${origin}${path}`);
      const response = await refused;
      expect(response.status(), path).toBe(403);
      if (path === "/form") {
        // Playwright sees the headers of a navigation, not of a no-cors fetch.
        const sent = await response.request().allHeaders();
        expect(sent["cookie"] ?? "", "the session cookie went along").toContain("session-access");
      }
    }
    await evil.close();
  } finally {
    server.close();
  }
  allowConsoleErrors(consoleErrors, /status of 403/);

  await page.reload();
  await hydrated(page);
  await expect(methodRows(page).filter({ hasText: mask(target) })).toBeVisible();
  await expect(methodRows(page).filter({ hasText: mask(keep) })).toBeVisible();
});

test("with Authsignal down the page says so in a sentence and the rest keeps working", async ({ page, consoleErrors }) => {
  const email = await signUp(page, "down");
  await fault(page.request, "/v1/users/*", { kind: "status", status: 500 });
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("region", { name: "Your methods" }).getByRole("alert")).toHaveText(
    /The sign-in methods service is not available right now\. Your sign-in methods are unchanged; try again in a minute\./,
  );
  await expect(page.getByRole("region", { name: "Recent activity" }).getByRole("alert")).toContainText(
    "Recent activity could not be loaded.",
  );
  await expect(page.getByRole("banner")).toContainText(email);
  await expect(page.getByRole("button", { name: "Sign out" })).toBeEnabled();
  await expect(page.getByRole("region", { name: "Add an email code" })).toBeVisible();
  allowConsoleErrors(consoleErrors, /status of 502/);

  // Back up: "Try again" reloads the list in place.
  await page.request.delete(`${authsignalURL}/_local/faults`);
  await page.getByRole("link", { name: "Try again" }).click();
  await expect(page.getByText("You have no sign-in methods yet.")).toBeVisible();
});

test("a slow Authsignal shows progress, and the page says when it gave up", async ({ page, consoleErrors }) => {
  await signUp(page, "slow");
  // Track answers after 1.5 s: long enough to see the button busy.
  await fault(page.request, "/v1/users/*/actions/*", { kind: "delay", millis: 1500 });
  const form = page.getByRole("region", { name: "Add an email code" });
  await form.getByLabel("Email address").fill(freshEmail("slow"));
  const send = form.getByRole("button", { name: "Send code", exact: true });
  await send.click();
  await expect(send).toBeDisabled();
  await expect(send).toHaveAttribute("aria-busy", "true");
  await expect(send.locator(".spinner")).toBeVisible();
  await expect(form.getByLabel("6-digit code")).toBeVisible();

  // Past the server's timeout, the person reads what happened and may try again.
  await fault(page.request, "/v1/users/*/actions/*", { kind: "hang" });
  await form.getByRole("button", { name: "Use a different email" }).click();
  const address = freshEmail("hang");
  await form.getByLabel("Email address").fill(address);
  await form.getByRole("button", { name: "Send code" }).click();
  await expect(form.getByRole("alert")).toContainText("is taking too long to answer", { timeout: 15_000 });
  await expect(form.getByRole("button", { name: `Start again with ${address}` })).toBeEnabled();
  allowConsoleErrors(consoleErrors, /status of 504/);
});

test("an answer the page cannot read, from our server or from Authsignal, is explained and loses nothing", async ({ page }) => {
  await signUp(page, "garbled");
  const form = page.getByRole("region", { name: "Add an email code" });
  const address = freshEmail("garbled");
  await form.getByLabel("Email address").fill(address);
  // Something in between (a captive portal, a misconfigured proxy) answers with its own page.
  const portal = (route: import("@playwright/test").Route) =>
    route.fulfill({
      status: 200,
      contentType: "text/html",
      headers: { "Access-Control-Allow-Origin": appURL },
      body: "<html><h1>Sign in to the Wi-Fi</h1></html>",
    });

  await page.route("**/api/start_enrollment", portal);
  await form.getByRole("button", { name: "Send code" }).click();
  await expect(form.getByRole("alert")).toContainText("Something went wrong between this page and the server");
  await page.unroute("**/api/start_enrollment");

  await page.route("**/client/user-authenticators/email-otp", portal);
  await form.getByRole("button", { name: `Start again with ${address}` }).click();
  await expect(form.getByRole("alert")).toHaveText(
    "The sign-in methods service could not be reached. Check your connection and try again.",
  );
  await page.unroute("**/client/user-authenticators/email-otp");
  expect(await codesSent(page.request, address)).toBe(0);

  // What was typed is still there, and starting again sends the code.
  await form.getByRole("button", { name: `Start again with ${address}` }).click();
  await expect(form.getByLabel("6-digit code")).toBeVisible();
  expect(await codesSent(page.request, address)).toBe(1);
});

test("too many codes in a minute: the page says when to try again", async ({ page, consoleErrors }) => {
  await signUp(page, "flood");
  const form = page.getByRole("region", { name: "Add an email code" });
  const address = freshEmail("flood");
  await form.getByLabel("Email address").fill(address);
  await form.getByRole("button", { name: "Send code" }).click();
  await expect(form.getByLabel("6-digit code")).toBeVisible();
  // Five sends a minute are allowed; the sixth is refused with the wait.
  for (let sent = 1; sent < 5; sent++) {
    await form.getByRole("button", { name: "Resend code" }).click();
    await expect.poll(() => codesSent(page.request, address)).toBe(sent + 1);
    await expect(form.getByRole("button", { name: "Resend code" })).toBeEnabled();
  }
  await form.getByRole("button", { name: "Resend code" }).click();
  await expect(form.getByRole("alert")).toHaveText(/^Too many attempts\. Try again in (\d+ seconds|1 minute)\.$/);
  expect(await codesSent(page.request, address)).toBe(5);
  allowConsoleErrors(consoleErrors, /status of 429/);
});

test("after ten wrong codes the page explains, and starting again works once Authsignal allows", async ({ page, consoleErrors }) => {
  await signUp(page, "attempts");
  const form = page.getByRole("region", { name: "Add an email code" });
  const address = freshEmail("attempts");
  await form.getByLabel("Email address").fill(address);
  await form.getByRole("button", { name: "Send code" }).click();
  const code = await latestCode(page.request, address);
  const wrong = code === "000000" ? "111111" : "000000";
  const codeField = form.getByLabel("6-digit code");
  // Authsignal allows 10 verifications in 5 minutes; the 11th is refused whatever the code.
  for (let attempt = 1; attempt <= 10; attempt++) {
    await codeField.fill(wrong);
    await form.getByRole("button", { name: "Verify" }).click();
    await expect(form.getByText("That code is not right.")).toBeVisible();
    await expect(form.getByRole("button", { name: "Verify" })).toBeEnabled();
  }
  await codeField.fill(code);
  await form.getByRole("button", { name: "Verify" }).click();
  await expect(form.getByRole("alert")).toHaveText("Too many wrong codes. For your security, that code no longer works.");

  await advanceAuthsignalClock(page.request, 301);
  await form.getByRole("button", { name: `Start again with ${address}` }).click();
  await expect.poll(() => codesSent(page.request, address)).toBe(2);
  await form.getByLabel("6-digit code").fill(await latestCode(page.request, address));
  await form.getByRole("button", { name: "Verify" }).click();
  await expect(methodRows(page).filter({ hasText: mask(address) })).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test("every control is reachable by keyboard, with a visible focus ring", async ({ page, consoleErrors }) => {
  await signUp(page, "keyboard");
  await addEmailCode(page, freshEmail("one"));
  await addEmailCode(page, freshEmail("two"));
  // From the top of a freshly loaded page.
  await page.reload();
  await hydrated(page);
  // Tab through the whole page once: until focus leaves it again.
  const reached: string[] = [];
  for (let step = 0; step < 40; step++) {
    await page.keyboard.press("Tab");
    const name = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      if (!element || element === document.body) return null;
      const style = getComputedStyle(element);
      const ring = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
      const field = element as HTMLInputElement;
      const label =
        element.getAttribute("aria-label") || field.labels?.[0]?.textContent?.trim() || element.textContent?.trim() || element.id;
      return ring ? label : `NO FOCUS RING: ${label}`;
    });
    if (name === null) break;
    reached.push(name);
  }
  expect(reached.filter((name) => name.startsWith("NO FOCUS RING"))).toEqual([]);
  for (const control of ["Account security", "Sign out", "Email address", "Send code", "Open Authsignal settings"]) {
    expect(reached.some((name) => name.includes(control)), `${control} in ${reached.join(" | ")}`).toBe(true);
  }
  expect(reached.some((name) => name.startsWith("Remove Email code"))).toBe(true);

  // Enter on a Remove link opens the dialog with focus inside; Escape closes it.
  const remove = page.getByRole("link", { name: /^Remove Email code/ }).first();
  await remove.focus();
  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  expect(await dialog.evaluate((element) => element.contains(document.activeElement))).toBe(true);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  expect(consoleErrors).toEqual([]);
});

test("the page follows the system's dark mode", async ({ page, consoleErrors }) => {
  await page.emulateMedia({ colorScheme: "light" });
  await signUp(page, "dark");
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await background();
  await page.emulateMedia({ colorScheme: "dark" });
  const dark = await background();
  expect(dark).not.toBe(light);
  expect(consoleErrors).toEqual([]);
});

test("code fetched on first use that cannot be fetched is explained, and loads when tried again", async ({ page, consoleErrors }) => {
  // The WASM chunks the page fetches on first use (`cargo leptos build --split`), or once it is
  // idle, do not arrive.
  const chunks = /\/pkg\/(split|chunk)_[^/]*\.wasm$/;
  await page.route(chunks, (route) => route.abort());
  const email = await signUp(page, "chunks");
  await addEmailCode(page, email);
  const notLoaded = "This part of the page did not load. Check your connection, then try again.";

  // The authenticator app's flow, in place of the form.
  const add = page.getByRole("region", { name: "Add a method" });
  await page.getByRole("group", { name: "Kind of method" }).getByRole("button", { name: "Authenticator app" }).click();
  await expect(add.getByRole("alert")).toContainText(notLoaded);
  // The step-up dialog, which still names itself and can be closed.
  await page.getByRole("button", { name: "Verify it's you" }).click();
  const dialog = page.getByRole("dialog", { name: "Verify it's you" });
  await expect(dialog.getByRole("alert")).toHaveText(notLoaded);
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  // The rest of the page kept working meanwhile.
  await expect(methodRows(page).filter({ hasText: mask(email) })).toBeVisible();

  // Back online, "Try again" fetches them.
  await page.unroute(chunks);
  await add.getByRole("button", { name: "Try again" }).click();
  await expect(page.getByRole("region", { name: "Add an authenticator app" })).toBeVisible();
  await page.getByRole("button", { name: "Verify it's you" }).click();
  await expect(dialog.getByRole("alert")).toHaveText(notLoaded);
  await dialog.getByRole("button", { name: "Try again" }).click();
  await expect(dialog.getByRole("group", { name: "Verify with" })).toBeVisible();
  allowConsoleErrors(consoleErrors, /Failed to fetch|ERR_FAILED/);
});
