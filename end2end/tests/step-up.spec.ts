import { test, expect, hydrated, allowConsoleErrors } from "./fixtures";
import {
  addEmailCode,
  advanceAuthsignalClock,
  banner,
  codesSent,
  freshEmail,
  mask,
  nextCode,
  noViolations,
  passStepUp,
  signUp,
  stepUpDialog,
  methodRows,
} from "./helpers";

/// Someone with one email method, outside any step-up window.
async function withOneMethod(page: import("@playwright/test").Page, label: string): Promise<string> {
  await signUp(page, label);
  const first = freshEmail(label);
  await addEmailCode(page, first);
  await expect(banner(page)).toContainText("Verify it's you to make changes");
  return first;
}

test("adding a second method asks to verify first, then carries on without retyping", async ({ page, consoleErrors }) => {
  const first = await withOneMethod(page, "add-flow");
  const second = freshEmail("second");
  const form = page.getByRole("region", { name: "Add an email code" });
  await form.getByLabel("Email address").fill(second);
  const sentToSecond = await codesSent(page.request, second);
  await form.getByRole("button", { name: "Send code" }).click();

  const dialog = stepUpDialog(page);
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("heading", { name: "Verify it's you" })).toBeFocused();
  await noViolations(page, "choose a method");
  const choice = dialog.getByRole("radio", { name: `Email code ${mask(first)}` });
  await expect(choice).toBeChecked();
  const sentToFirst = await codesSent(page.request, first);
  await dialog.getByRole("button", { name: "Send code" }).click();
  await expect(dialog).toContainText(`We sent a 6-digit code to ${mask(first)}.`);
  const code = dialog.getByLabel("6-digit code");
  await expect(code).toBeFocused();
  await expect(code).toHaveAttribute("autocomplete", "one-time-code");

  // A wrong code is explained, and resend sends a fresh one.
  const sent = await nextCode(page.request, first, sentToFirst);
  await code.fill(sent === "000000" ? "111111" : "000000");
  await dialog.getByRole("button", { name: "Verify" }).click();
  await expect(dialog.getByRole("alert")).toHaveText("That code is not right. Check the newest message from us and try again.");
  await noViolations(page, "wrong code");
  await dialog.getByRole("button", { name: "Resend code" }).click();
  const fresh = await nextCode(page.request, first, sentToFirst + 1);
  await code.fill(fresh);
  await dialog.getByRole("button", { name: "Verify" }).click();

  // Verified: the dialog closes, the state says so, and the code for the second address is
  // on its way without typing it again.
  await expect(dialog).toBeHidden();
  await expect(banner(page)).toContainText("Verified · changes allowed for 10 more minutes");
  await expect(form.getByLabel("6-digit code")).toBeVisible();
  await form.getByLabel("6-digit code").fill(await nextCode(page.request, second, sentToSecond));
  await form.getByRole("button", { name: "Verify" }).click();
  await expect(methodRows(page).filter({ hasText: mask(second) })).toBeVisible();
  await noViolations(page, "verified");
  expect(consoleErrors).toEqual([]);
});

test("removing a method asks to verify first, then removes it", async ({ page, consoleErrors }) => {
  const first = await withOneMethod(page, "remove-flow");
  const second = freshEmail("second");
  await addEmailCode(page, second);
  await page.getByRole("button", { name: "End now" }).click();
  await expect(banner(page)).toContainText("Verify it's you to make changes");

  const row = methodRows(page).filter({ hasText: mask(second) });
  await row.getByRole("link", { name: `Remove Email code ${mask(second)}` }).click();
  const confirm = page.getByRole("dialog", { name: "Remove email code?" });
  await confirm.getByRole("button", { name: "Remove" }).click();
  await passStepUp(page, first);
  await expect(page.getByText("Sign-in method removed.")).toBeVisible();
  await expect(row).toHaveCount(0);
  await expect(banner(page)).toContainText("Verified");
  expect(consoleErrors).toEqual([]);
});

test("too many wrong codes and an expired code are explained in the dialog, each with a way to start again", async ({ page, consoleErrors }) => {
  const first = await withOneMethod(page, "dialog-limits");
  await banner(page).getByRole("button", { name: "Verify it's you" }).click();
  const dialog = stepUpDialog(page);
  await dialog.getByRole("radio", { name: `Email code ${mask(first)}`, exact: true }).check();
  let sent = await codesSent(page.request, first);
  await dialog.getByRole("button", { name: "Send code" }).click();
  let code = await nextCode(page.request, first, sent);
  const field = dialog.getByLabel("6-digit code");
  // Authsignal allows 10 email-code verifications in 5 minutes, and adding the first method
  // was one: after 9 wrong codes, the next is refused whatever the code.
  for (let attempt = 1; attempt <= 9; attempt++) {
    await field.fill(code === "000000" ? "111111" : "000000");
    await dialog.getByRole("button", { name: "Verify" }).click();
    await expect(dialog.getByRole("alert")).toHaveText(/^That code is not right\./);
  }
  await field.fill(code);
  await dialog.getByRole("button", { name: "Verify" }).click();
  await expect(dialog.getByRole("alert")).toHaveText("Too many wrong codes. For your security, that code no longer works.");
  await noViolations(page, "too many wrong codes");

  // Once Authsignal allows again, a new code; this one is left for more than 10 minutes.
  await advanceAuthsignalClock(page.request, 301);
  sent = await codesSent(page.request, first);
  await dialog.getByRole("button", { name: "Start again" }).click();
  code = await nextCode(page.request, first, sent);
  await advanceAuthsignalClock(page.request, 601);
  await field.fill(code);
  await dialog.getByRole("button", { name: "Verify" }).click();
  await expect(dialog.getByRole("alert")).toHaveText("This verification expired after 10 minutes.");
  await noViolations(page, "expired");
  allowConsoleErrors(consoleErrors, /status of 401/);

  // Starting again sends a fresh code to type. (Passing the step-up from here is the first
  // test's; Authsignal's clock now runs ahead of the app's, which a fresh proof must agree with.)
  sent = await codesSent(page.request, first);
  await dialog.getByRole("button", { name: "Start again" }).click();
  await expect.poll(() => codesSent(page.request, first)).toBe(sent + 1);
  await expect(field).toBeFocused();
  await expect(field).toHaveValue("");
  expect(consoleErrors).toEqual([]);
});

test("the window counts down and ends by itself", async ({ page, consoleErrors }) => {
  await page.clock.install();
  const first = await withOneMethod(page, "countdown");
  await banner(page).getByRole("button", { name: "Verify it's you" }).click();
  await passStepUp(page, first);
  await expect(banner(page)).toContainText("changes allowed for 10 more minutes");
  await page.clock.fastForward("02:10");
  await expect(banner(page)).toContainText("changes allowed for 8 more minutes");
  await page.clock.fastForward("07:35");
  await expect(banner(page)).toContainText(/changes allowed for \d+ more seconds/);
  await page.clock.fastForward("00:30");
  await expect(banner(page)).toContainText("Verify it's you to make changes");
  expect(consoleErrors).toEqual([]);
});

test("a window that ends mid-flow asks again instead of failing", async ({ page, context, consoleErrors }) => {
  const first = await withOneMethod(page, "mid-flow");
  const second = freshEmail("second");
  await addEmailCode(page, second);
  const row = methodRows(page).filter({ hasText: mask(second) });
  await row.getByRole("link", { name: `Remove Email code ${mask(second)}` }).click();
  // The window ends on the server while the confirmation is open.
  await context.clearCookies({ name: "step-up" });
  const confirm = page.getByRole("dialog", { name: "Remove email code?" });
  await confirm.getByRole("button", { name: "Remove" }).click();
  await expect(stepUpDialog(page)).toBeVisible();
  await passStepUp(page, first);
  await expect(page.getByText("Sign-in method removed.")).toBeVisible();
  await expect(row).toHaveCount(0);
  allowConsoleErrors(consoleErrors, /status of 403/);
  expect(consoleErrors).toEqual([]);
});

test("the whole step-up works from the keyboard alone", async ({ page, consoleErrors }) => {
  const first = await withOneMethod(page, "keyboard");
  const verify = banner(page).getByRole("button", { name: "Verify it's you" });
  await verify.focus();
  await page.keyboard.press("Enter");
  const dialog = stepUpDialog(page);
  await expect(dialog).toBeVisible();
  // Escape closes it and nothing changes.
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await verify.focus();
  await page.keyboard.press("Enter");
  await expect(dialog.getByRole("heading", { name: "Verify it's you" })).toBeFocused();
  const sent = await codesSent(page.request, first);
  // The chosen method, Cancel, Send code.
  await page.keyboard.press("Tab");
  await expect(dialog.getByRole("radio", { name: `Email code ${mask(first)}` })).toBeFocused();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await expect(dialog.getByRole("button", { name: "Send code" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(dialog.getByLabel("6-digit code")).toBeFocused();
  await page.keyboard.type(await nextCode(page.request, first, sent));
  await page.keyboard.press("Enter");
  await expect(dialog).toBeHidden();
  await expect(banner(page)).toContainText("Verified");
  expect(consoleErrors).toEqual([]);
});

test("without JavaScript and without a window, a removal explains that verifying needs JavaScript", async ({ browser }) => {
  const setup = await browser.newPage();
  await signUp(setup, "no-js-step-up");
  const keep = freshEmail("keep");
  const drop = freshEmail("drop");
  await addEmailCode(setup, keep);
  await addEmailCode(setup, drop);
  const state = await setup.context().storageState();
  state.cookies = state.cookies.filter((cookie) => cookie.name !== "step-up");

  const context = await browser.newContext({ javaScriptEnabled: false, storageState: state });
  const page = await context.newPage();
  await page.goto("/security");
  await expect(page.getByText("Verify it's you to make changes")).toBeVisible();
  await page.getByRole("link", { name: `Remove Email code ${mask(drop)}` }).click();
  await page.getByRole("dialog", { name: "Remove email code?" }).getByRole("button", { name: "Remove" }).click();
  await expect(page).toHaveURL(/\/security\?notice=verify-needs-javascript#notice$/);
  await expect(page.getByText("Nothing was changed: every change needs you to verify it's you first")).toBeVisible();
  await expect(methodRows(page).filter({ hasText: mask(drop) })).toBeVisible();
  await context.close();
});

for (const width of [360, 1280]) {
  test(`step-up screenshots at ${width} px`, async ({ page, consoleErrors }, testInfo) => {
    await page.setViewportSize({ width, height: 900 });
    const first = await withOneMethod(page, `step-up-shot-${width}`);
    await page.screenshot({ path: testInfo.outputPath(`step-up-${width}-needed.png`), fullPage: true });
    await banner(page).getByRole("button", { name: "Verify it's you" }).click();
    const dialog = stepUpDialog(page);
    await expect(dialog).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath(`step-up-${width}-choose.png`) });
    const sent = await codesSent(page.request, first);
    await dialog.getByRole("button", { name: "Send code" }).click();
    await expect(dialog.getByLabel("6-digit code")).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath(`step-up-${width}-code.png`) });
    await dialog.getByLabel("6-digit code").fill(await nextCode(page.request, first, sent));
    await dialog.getByRole("button", { name: "Verify" }).click();
    await expect(banner(page)).toContainText("Verified");
    await page.screenshot({ path: testInfo.outputPath(`step-up-${width}-verified.png`), fullPage: true });
    await hydrated(page);
    expect(consoleErrors).toEqual([]);
  });
}
