// What a new person trips on, walking the page by role and label: each test is one thing that
// read wrong, as it reads now. Screenshots of each state land among the test results.

import { test, expect } from "./fixtures";
import {
  addEmailCode,
  authsignalURL,
  banner,
  choose,
  freshEmail,
  latestCode,
  mailTo,
  mask,
  methodRows,
  noViolations,
  screenshots,
  signUp,
  virtualAuthenticator,
} from "./helpers";

test("leaving Authsignal's settings with Cancel says nothing changed, not that the link was bad", async ({ page }) => {
  await signUp(page, "cancel");
  await addEmailCode(page, freshEmail("first"));
  await addEmailCode(page, freshEmail("second"));
  await page.getByRole("button", { name: "Open Authsignal settings" }).click();
  await expect(page).toHaveURL(new RegExp(`^${authsignalURL}/prebuilt`));
  await page.getByRole("button", { name: "Cancel" }).click();

  await expect(page).toHaveURL(/\/security\?notice=manage-left$/);
  await expect(page.getByRole("status").filter({ hasText: "You left Authsignal's settings without changing anything." })).toBeVisible();
  await expect(page.getByText("was not valid, or was already used")).toHaveCount(0);
  await noViolations(page, "back after Cancel");
  await screenshots(page, "prebuilt-cancelled");
});

test("Back after returning from Authsignal shows its page as it stands, with no error for a code nobody typed", async ({ page }) => {
  await signUp(page, "back");
  const first = freshEmail("first");
  await addEmailCode(page, first);
  await addEmailCode(page, freshEmail("second"));
  await page.getByRole("button", { name: "Open Authsignal settings" }).click();
  await expect(page).toHaveURL(new RegExp(`^${authsignalURL}/prebuilt`));
  const method = page.getByRole("listitem").filter({ hasText: `${first[0]}***@` });
  await method.getByRole("button", { name: "Send a code" }).click();
  await page.getByLabel("Code").fill(await latestCode(page.request, first));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByText("Verified.")).toBeVisible();
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page).toHaveURL(/\/security\?notice=manage-done$/);

  await page.goBack();
  await expect(page).toHaveURL(new RegExp(`^${authsignalURL}/prebuilt\\?`));
  await expect(page.getByText("Your sign-in methods")).toBeVisible();
  await expect(page.getByText("That code is wrong or has expired")).toHaveCount(0);
  await screenshots(page, "prebuilt-after-back");
});

test("someone with no method is not offered a verification they cannot do", async ({ page }) => {
  await page.clock.install();
  await signUp(page, "first-banner");
  await expect(banner(page)).toContainText(
    "You have no method to verify with yet, so your recent sign-in lets you make changes for 10 more minutes.",
  );
  await expect(banner(page).getByRole("button")).toHaveCount(0);
  await noViolations(page, "just signed in");
  await screenshots(page, "first-method-fresh-sign-in");

  // Eleven minutes on, the sentence says what is true then, and offers what helps.
  await page.clock.fastForward("11:00");
  await expect(banner(page)).toContainText(
    "To make changes, sign in again. You have no method to verify with yet, so a recent sign-in stands in for one.",
  );
  await banner(page).getByRole("button", { name: "Sign in again" }).click();
  await expect(page.getByRole("dialog", { name: "Sign in again to continue" })).toBeVisible();
  await noViolations(page, "sign in again");
  await screenshots(page, "first-method-sign-in-again");
});

test("without JavaScript the page says once what needs it, and shows no control that would do nothing", async ({ browser }) => {
  const setup = await browser.newPage();
  await signUp(setup, "no-js-controls");
  await addEmailCode(setup, freshEmail("one"));
  // With JavaScript, the sentence is not there.
  await expect(setup.getByText("JavaScript is off in this browser.")).toBeHidden();
  const state = await setup.context().storageState();
  state.cookies = state.cookies.filter((cookie) => cookie.name !== "step-up");

  const context = await browser.newContext({ javaScriptEnabled: false, storageState: state });
  const page = await context.newPage();
  await page.goto("/security");
  await expect(page.getByText("JavaScript is off in this browser.")).toBeVisible();
  await expect(page.getByText("JavaScript is off in this browser.")).toHaveCount(1);
  await expect(page.getByRole("button", { name: "Verify it's you" })).toBeHidden();
  await expect(page.getByRole("region", { name: "Add a method" })).toBeHidden();
  await expect(page.getByRole("button", { name: "Open Authsignal settings" })).toBeHidden();
  await expect(page.getByRole("button", { name: "Sign out", exact: true })).toBeVisible();
  await expect(methodRows(page)).toHaveCount(1);
  await screenshots(page, "no-javascript");
  await context.close();

  // axe needs JavaScript itself: it checks the same server HTML with the bundle kept out and
  // the no-JavaScript stylesheet applied.
  const checked = await browser.newContext({ storageState: state });
  const asServed = await checked.newPage();
  await asServed.route("**/pkg/**", (route) => route.abort());
  await asServed.goto("/security");
  await asServed.addStyleTag({ url: "/no-js.css" });
  await expect(asServed.getByText("JavaScript is off in this browser.")).toBeVisible();
  await noViolations(asServed, "no JavaScript");
  await checked.close();
});

test("a passkey without a provider name is told apart by where it was added, never named twice", async ({ page }) => {
  await virtualAuthenticator(page);
  const email = await signUp(page, "passkey-name");
  const region = await choose(page, "Passkey", "Add a passkey");
  await region.getByRole("button", { name: "Create a passkey" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Passkey added." })).toBeAttached();

  const row = methodRows(page).first();
  await expect(row).toContainText("from Chrome on Windows");
  await expect(row).not.toContainText("Passkey Passkey");
  await expect.poll(async () => (await mailTo(page, email)).length).toBe(1);
  const [added] = await mailTo(page, email);
  expect(added.text).toContain("A passkey (from Chrome on Windows) was added to your account.");
  expect(added.text).not.toContain("(Passkey)");
  await noViolations(page, "an unnamed passkey");
  await screenshots(page, "passkey-named-by-device");
});

test("a method says what it is for, and shows as just used right after a step-up", async ({ page }) => {
  await signUp(page, "used");
  await expect(page.getByText("The ways you prove it's you: before each change here")).toBeVisible();
  const first = freshEmail("first");
  await addEmailCode(page, first);
  const row = methodRows(page).filter({ hasText: mask(first) });
  await expect(row).toContainText("Not used yet");
  await expect(row).not.toContainText("Never used to sign in");

  await addEmailCode(page, freshEmail("second"));
  // The step-up for the second used the first: its row says so without a reload.
  await expect(row).toContainText("Last used just now");
  await noViolations(page, "just used");
  await screenshots(page, "method-just-used");
});

test("a long address in the header is cut on one line, whole in its title", async ({ page }) => {
  const email = await signUp(page, `a-rather-long-address-for-the-header-${"x".repeat(20)}`);
  const who = page.locator(".signed-in-as strong");
  await expect(who).toHaveAttribute("title", email);
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    const line = await who.evaluate((element) => parseFloat(getComputedStyle(element).lineHeight));
    const box = (await who.boundingBox())!;
    expect(box.height, `one line at ${width} px`).toBeLessThanOrEqual(line + 1);
    const cut = await who.evaluate((element) => element.scrollWidth > element.clientWidth);
    expect(cut, `cut with an ellipsis at ${width} px`).toBe(true);
    const header = (await page.locator(".top-bar").boundingBox())!;
    expect(header.width).toBeLessThanOrEqual(width);
  }
  await noViolations(page, "long address");
  await screenshots(page, "header-long-address");
});

test("the removal dialog names the method in sentence case", async ({ page }) => {
  await signUp(page, "sentence-case");
  await addEmailCode(page, freshEmail("first"));
  const second = freshEmail("second");
  await addEmailCode(page, second);
  await methodRows(page).filter({ hasText: mask(second) }).getByRole("link", { name: /^Remove/ }).click();
  await expect(page.getByRole("dialog", { name: "Remove email code?" })).toBeVisible();
  await noViolations(page, "remove dialog");
  await screenshots(page, "remove-dialog");
});
