import AxeBuilder from "@axe-core/playwright";

import { test, expect, hydrated, allowConsoleErrors } from "./fixtures";
import {
  addEmailCode,
  expectExactTimeInBrowserZone,
  advanceAuthsignalClock,
  authsignalURL,
  callServerFunction,
  codesSent,
  enrollVerified,
  freshEmail,
  latestCode,
  mask,
  signUp,
  stepUpNow,
  userId,
  methodRows,
} from "./helpers";

test("a new user sees the empty state, then adds an email code read from the outbox", async ({ page, consoleErrors }) => {
  await signUp(page, "enroll");
  await expect(page.getByText("You have no sign-in methods yet.")).toBeVisible();
  await expect(page.getByRole("complementary", { name: "Tip: keep a fallback" })).toContainText(
    "Before you add a passkey, keep an email or text-message code.",
  );

  const address = freshEmail("code");
  const form = page.getByRole("region", { name: "Add an email code" });
  await form.getByLabel("Email address").fill(address);
  await form.getByRole("button", { name: "Send code" }).click();
  await expect(page.getByText(`We sent a 6-digit code to ${address}.`)).toBeVisible();
  const codeField = form.getByLabel("6-digit code");
  await expect(codeField).toBeFocused();
  await expect(codeField).toHaveAttribute("inputmode", "numeric");
  await expect(codeField).toHaveAttribute("autocomplete", "one-time-code");

  // Pasted with a space, as codes often are.
  const code = await latestCode(page.request, address);
  await codeField.fill(`${code.slice(0, 3)} ${code.slice(3)}`);
  await form.getByRole("button", { name: "Verify" }).click();

  const row = methodRows(page).filter({ hasText: mask(address) });
  await expect(row).toBeVisible();
  await expect(row).toContainText("Email code");
  await expect(row).toContainText("Added just now");
  await expect(row).toBeFocused();
  await expect(page.getByRole("status").filter({ hasText: `Email code for ${address} added.` })).toBeAttached();
  // The only method cannot be removed, and the page says why.
  await expect(row.getByRole("button", { name: "Remove" })).toBeDisabled();
  await expect(row).toContainText("This is your only method to prove it's you, so it can't be removed.");
  expect(consoleErrors).toEqual([]);
});

test("a malformed email is refused before anything is sent", async ({ page, consoleErrors }) => {
  await signUp(page, "bad-email");
  const form = page.getByRole("region", { name: "Add an email code" });
  const email = form.getByLabel("Email address");
  await email.fill("jane@example");
  await form.getByRole("button", { name: "Send code" }).click();
  await expect(form.getByText("Enter an email address like name@example.com.")).toBeVisible();
  await expect(email).toHaveAttribute("aria-invalid", "true");
  await expect(email).toBeFocused();
  expect(await codesSent(page.request, "jane@example")).toBe(0);
  expect(consoleErrors).toEqual([]);
});

test("a wrong code says so and the right one then works", async ({ page, consoleErrors }) => {
  await signUp(page, "wrong-code");
  const address = freshEmail("code");
  const form = page.getByRole("region", { name: "Add an email code" });
  await form.getByLabel("Email address").fill(address);
  await form.getByRole("button", { name: "Send code" }).click();
  const code = await latestCode(page.request, address);
  const wrong = code === "000000" ? "111111" : "000000";

  const codeField = form.getByLabel("6-digit code");
  await codeField.fill(wrong);
  await form.getByRole("button", { name: "Verify" }).click();
  await expect(form.getByText("That code is not right.")).toBeVisible();
  await expect(codeField).toHaveAttribute("aria-invalid", "true");

  await codeField.fill(code);
  await form.getByRole("button", { name: "Verify" }).click();
  await expect(methodRows(page).filter({ hasText: mask(address) })).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test("a code request that expired offers to start again, and resend sends a fresh code", async ({ page, consoleErrors }) => {
  await signUp(page, "expired");
  const address = freshEmail("code");
  const form = page.getByRole("region", { name: "Add an email code" });
  await form.getByLabel("Email address").fill(address);
  await form.getByRole("button", { name: "Send code" }).click();
  const first = await latestCode(page.request, address);

  // Ten minutes pass on Authsignal's side: the token the browser holds is no longer valid.
  await advanceAuthsignalClock(page.request, 601);
  await form.getByLabel("6-digit code").fill(first);
  await form.getByRole("button", { name: "Verify" }).click();
  await expect(form.getByRole("alert")).toHaveText(
    "This code request expired after 10 minutes. Start again to get a new code.",
  );
  allowConsoleErrors(consoleErrors, /status of 401/);

  await form.getByRole("button", { name: `Start again with ${address}` }).click();
  await expect(form.getByLabel("6-digit code")).toBeFocused();
  expect(await codesSent(page.request, address)).toBe(2);

  await form.getByRole("button", { name: "Resend code" }).click();
  await expect.poll(() => codesSent(page.request, address)).toBe(3);
  await form.getByLabel("6-digit code").fill(await latestCode(page.request, address));
  await form.getByRole("button", { name: "Verify" }).click();
  await expect(methodRows(page).filter({ hasText: mask(address) })).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test("removing one of two email codes asks first and names what remains", async ({ page, consoleErrors }) => {
  await signUp(page, "remove");
  const keep = freshEmail("keep");
  const drop = freshEmail("drop");
  await addEmailCode(page, keep);
  await addEmailCode(page, drop);

  const row = methodRows(page).filter({ hasText: mask(drop) });
  await row.getByRole("link", { name: `Remove Email code ${mask(drop)}` }).click();
  const dialog = page.getByRole("dialog", { name: "Remove email code?" });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(`${mask(drop)} will no longer work for signing in.`);
  await expect(dialog).toContainText(`You can still sign in with: Email code (${mask(keep)})`);

  // Escape closes it and nothing changes.
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await expect(page).toHaveURL(/\/security$/);
  await expect(row).toBeVisible();

  await row.getByRole("link", { name: /^Remove/ }).click();
  await dialog.getByRole("button", { name: "Remove" }).click();
  await expect(page.getByText("Sign-in method removed.")).toBeVisible();
  await expect(row).toHaveCount(0);
  await expect(methodRows(page).filter({ hasText: mask(keep) })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Sign-in methods", level: 1 })).toBeFocused();
  expect(consoleErrors).toEqual([]);
});

test("the removal dialog opens and closes within the page, with the back and forward buttons too", async ({ page, consoleErrors }) => {
  await signUp(page, "history");
  const keep = freshEmail("keep");
  const drop = freshEmail("drop");
  await addEmailCode(page, keep);
  await addEmailCode(page, drop);
  // Gone if the page were loaded again.
  await page.evaluate(() => ((window as unknown as { samePage: boolean }).samePage = true));

  const row = methodRows(page).filter({ hasText: mask(drop) });
  await row.getByRole("link", { name: /^Remove/ }).click();
  const dialog = page.getByRole("dialog", { name: "Remove email code?" });
  await expect(dialog).toBeVisible();
  await expect(page).toHaveURL(/\/security\?remove=/);

  await page.goBack();
  await expect(dialog).toBeHidden();
  await expect(page).toHaveURL(/\/security$/);
  await page.goForward();
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(`${mask(drop)} will no longer work for signing in.`);

  await dialog.getByRole("link", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(page).toHaveURL(/\/security$/);
  await expect(row).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { samePage?: boolean }).samePage)).toBe(true);
  expect(consoleErrors).toEqual([]);
});

test("the last method cannot be removed, not even by calling the server function", async ({ page, consoleErrors }) => {
  await signUp(page, "last");
  const address = freshEmail("only");
  await addEmailCode(page, address);
  const row = methodRows(page).filter({ hasText: mask(address) });
  await expect(row.getByRole("button", { name: "Remove" })).toBeDisabled();

  const id = (await row.getAttribute("id"))!.replace("authenticator-", "");
  await stepUpNow(page, address);
  const answer = await callServerFunction(page, "remove_authenticator", { id, accepts_no_fallback: "true" });
  expect(answer.status).toBe(409);
  expect(answer.body).toEqual({ WouldLockOut: { reason: "LastMethod" } });
  allowConsoleErrors(consoleErrors, /status of 409/);
  await page.reload();
  await expect(methodRows(page).filter({ hasText: mask(address) })).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test("leaving only a passkey needs an explicit yes", async ({ page, consoleErrors }) => {
  await signUp(page, "passkey");
  const address = freshEmail("fallback");
  await addEmailCode(page, address);
  await enrollVerified(page.request, await userId(page), {
    verificationMethod: "PASSKEY",
    webauthnCredential: { name: "iCloud Keychain" },
  });
  await page.reload();
  await hydrated(page);
  await expect(methodRows(page).filter({ hasText: "iCloud Keychain" })).toBeVisible();
  await stepUpNow(page, address);

  const row = methodRows(page).filter({ hasText: mask(address) });
  await row.getByRole("link", { name: /^Remove/ }).click();
  const dialog = page.getByRole("dialog", { name: "Remove email code?" });
  await expect(dialog).toContainText("You can still sign in with: Passkey (iCloud Keychain)");
  await expect(dialog).toContainText("If you lose the device you sign in with, you could be locked out.");
  const consent = dialog.getByLabel("I understand, remove it anyway");
  // Remove waits for the yes, and says why.
  await expect(dialog.getByRole("button", { name: "Remove" })).toBeDisabled();
  await expect(dialog.getByText("Tick “I understand” to remove it.")).toBeVisible();
  await expect(row).toBeVisible();

  await consent.check();
  await dialog.getByRole("button", { name: "Remove" }).click();
  await expect(page.getByText("Sign-in method removed.")).toBeVisible();
  await expect(row).toHaveCount(0);
  expect(consoleErrors).toEqual([]);
});

test("someone else's method cannot be removed: NotFound, and it stays", async ({ browser, consoleErrors }) => {
  const owner = await browser.newPage();
  await signUp(owner, "owner");
  const address = freshEmail("owned");
  await addEmailCode(owner, address);
  await addEmailCode(owner, freshEmail("backup"));
  const row = methodRows(owner).filter({ hasText: mask(address) });
  const id = (await row.getAttribute("id"))!.replace("authenticator-", "");

  const intruder = await browser.newPage();
  await signUp(intruder, "intruder");
  const answer = await callServerFunction(intruder, "remove_authenticator", { id, accepts_no_fallback: "true" });
  expect(answer.status).toBe(404);
  expect(answer.body).toBe("NotFound");
  allowConsoleErrors(consoleErrors, /status of 404/);

  await owner.reload();
  await expect(methodRows(owner).filter({ hasText: mask(address) })).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test("the pre-built UI round trip: challenge, remove a method there, come back to a message", async ({ page, consoleErrors }) => {
  await signUp(page, "prebuilt");
  const first = freshEmail("first");
  const second = freshEmail("second");
  await addEmailCode(page, first);
  await addEmailCode(page, second);

  await page.getByRole("button", { name: "Open Authsignal settings" }).click();
  await expect(page).toHaveURL(new RegExp(`^${authsignalURL}/prebuilt`));
  // Authsignal first asks for proof with an existing method.
  // The emulator's pages mask addresses their own way: f***@example.com.
  const onAuthsignal = (address: string) => page.getByRole("listitem").filter({ hasText: `${address[0]}***@` });
  await onAuthsignal(first).getByRole("button", { name: "Send a code" }).click();
  await page.getByLabel("Code").fill(await latestCode(page.request, first));
  await page.getByRole("button", { name: "Verify" }).click();
  await onAuthsignal(second).getByRole("button", { name: "Remove" }).click();
  const returned = page.waitForRequest(/\/security\/return\?token=/);
  await page.getByRole("button", { name: "Done" }).click();
  const returnURL = (await returned).url();

  await expect(page).toHaveURL(/\/security\?notice=manage-done$/);
  await expect(page.getByText("Welcome back from Authsignal.")).toBeVisible();
  // The challenge there used the first method: it shows when, with the exact time on hover.
  const used = methodRows(page).filter({ hasText: mask(first) });
  await expect(used).toContainText("Last used just now");
  await expectExactTimeInBrowserZone(used.locator("time").last());
  await expect(used.locator("time").last()).toHaveAttribute("datetime", /^\d{4}-\d{2}-\d{2}T/);
  await expect(methodRows(page).filter({ hasText: mask(second) })).toHaveCount(0);

  // The same return link again is refused: it was good for one visit only.
  await page.goto(returnURL);
  await expect(page).toHaveURL(/\/security\?notice=manage-invalid$/);
  await expect(methodRows(page).filter({ hasText: mask(first) })).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test("a return link that is forged or replayed changes nothing and says so", async ({ page, consoleErrors }) => {
  await signUp(page, "forged-return");
  await page.goto("/security/return?token=eyJhbGciOiJIUzI1NiJ9.e30.forged");
  await expect(page).toHaveURL(/\/security\?notice=manage-invalid$/);
  await expect(page.getByText("The link back from Authsignal was not valid, or was already used")).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test("without JavaScript the list renders and removal works as a plain form post", async ({ browser }) => {
  const setup = await browser.newPage();
  await signUp(setup, "no-js");
  const keep = freshEmail("keep");
  const drop = freshEmail("drop");
  await addEmailCode(setup, keep);
  await addEmailCode(setup, drop);
  const state = await setup.context().storageState();

  // On a phone, where the notice could start below the fold.
  const context = await browser.newContext({
    javaScriptEnabled: false,
    storageState: state,
    viewport: { width: 360, height: 800 },
  });
  const page = await context.newPage();
  await page.goto("/security");
  await expect(methodRows(page).filter({ hasText: mask(drop) })).toBeVisible();
  await page.getByRole("link", { name: `Remove Email code ${mask(drop)}` }).click();
  await expect(page).toHaveURL(/\/security\?remove=/);
  const dialog = page.getByRole("dialog", { name: "Remove email code?" });
  await expect(dialog).toContainText(`You can still sign in with: Email code (${mask(keep)})`);
  await dialog.getByRole("button", { name: "Remove" }).click();

  await expect(page).toHaveURL(/\/security\?notice=removed#notice$/);
  await expect(page.getByText("Sign-in method removed.")).toBeInViewport();
  await expect(methodRows(page).filter({ hasText: mask(drop) })).toHaveCount(0);
  await expect(methodRows(page).filter({ hasText: mask(keep) })).toBeVisible();
  await context.close();
});

test("a signed-out visit to /security goes to sign-in", async ({ page }) => {
  const response = await page.request.get("/security", { maxRedirects: 0 });
  expect(response.status()).toBe(303);
  expect(response.headers()["location"]).toBe("/auth/sign-in?return_to=%2Fsecurity");
});

test("no accessibility violations: empty, list, enrolling, dialog open", async ({ page, consoleErrors }) => {
  const scan = async (state: string) => {
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.violations, `axe violations with the page ${state}`).toEqual([]);
  };
  await signUp(page, "a11y");
  await scan("empty");

  const address = freshEmail("a11y");
  await addEmailCode(page, address);
  await addEmailCode(page, freshEmail("backup"));
  await scan("listing methods");

  const form = page.getByRole("region", { name: "Add an email code" });
  await form.getByLabel("Email address").fill(freshEmail("third"));
  await form.getByRole("button", { name: "Send code" }).click();
  await expect(form.getByLabel("6-digit code")).toBeVisible();
  await scan("enrolling");

  await methodRows(page).filter({ hasText: mask(address) }).getByRole("link", { name: /^Remove/ }).click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await scan("with the dialog open");
  expect(consoleErrors).toEqual([]);
});

for (const [width, height] of [
  [360, 800],
  [1280, 900],
]) {
  test(`screenshot at ${width} px`, async ({ page, consoleErrors }, testInfo) => {
    await page.setViewportSize({ width, height });
    await signUp(page, `shot-${width}`);
    await addEmailCode(page, freshEmail("jane"));
    await addEmailCode(page, freshEmail("work"));
    // Nothing may stick out sideways at phone width.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await testInfo.attach(`security-${width}.png`, {
      body: await page.screenshot({ fullPage: true }),
      contentType: "image/png",
    });
    await page.screenshot({ path: testInfo.outputPath(`security-${width}.png`), fullPage: true });

    await page.getByRole("link", { name: /^Remove/ }).first().click();
    await expect(page.getByRole("dialog")).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath(`security-${width}-dialog.png`) });
    expect(consoleErrors).toEqual([]);
  });
}

test("the same address added twice shows as two methods that read apart", async ({ page, consoleErrors }) => {
  await signUp(page, "twice");
  const address = freshEmail("twice");
  await addEmailCode(page, address);
  await addEmailCode(page, address);
  const rows = page.getByRole("list", { name: "Your sign-in methods" }).getByRole("listitem");
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText(mask(address));
  await expect(rows.nth(1)).toContainText(`${mask(address)} (2)`);
  await expect(page.getByRole("link", { name: `Remove Email code ${mask(address)} (2)` })).toHaveCount(1);
  await expect(page.getByRole("link", { name: `Remove Email code ${mask(address)},` })).toHaveCount(1);
  expect(consoleErrors).toEqual([]);
});
