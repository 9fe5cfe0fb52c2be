import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";

import { test, expect, hydrated } from "./fixtures";
import {
  addEmailCode,
  expectExactTimeInBrowserZone,
  appURL,
  cognitoURL,
  freshEmail,
  mailTo,
  mask,
  PASSWORD,
  signUp,
  stepUpNow,
} from "./helpers";

const activity = (page: Page) => page.getByRole("list", { name: "Recent activity, newest first" });
const entries = (page: Page) => activity(page).getByRole("listitem");

test("recent activity shows each change as it happens, and the owner is mailed", async ({ page }) => {
  const email = await signUp(page, "activity");
  await expect(page.getByRole("region", { name: "Recent activity" })).toBeVisible();
  await expect(entries(page).first()).toContainText("Signed in");
  await expect(entries(page).first()).toContainText("Chrome on Windows");
  await expect(entries(page).first()).toContainText("127.0.0.1");
  await expect(entries(page).first().locator("time")).toHaveAttribute("datetime", /Z$/);
  await expectExactTimeInBrowserZone(entries(page).first().locator("time"));

  const first = freshEmail("first");
  await addEmailCode(page, first);
  await expect(entries(page).first()).toContainText(`Added an email code ${mask(first)}`);
  const second = freshEmail("second");
  await addEmailCode(page, second);
  await expect(entries(page).first()).toContainText(`Added an email code ${mask(second)}`);
  await expect(entries(page).nth(1)).toContainText(`Verified it's you with an email code ${mask(first)}`);

  await page.getByRole("link", { name: new RegExp(`^Remove Email code ${mask(second)}`) }).click();
  await page.getByRole("dialog", { name: "Remove email code?" }).getByRole("button", { name: "Remove" }).click();
  await expect(page.getByText("Sign-in method removed.")).toBeVisible();
  // The log names the method removed, and its add still does once it is gone.
  await expect(entries(page).first()).toContainText(`Removed an email code ${mask(second)}`);
  await expect(entries(page).filter({ hasText: "Added an email code" }).first()).toContainText(mask(second));

  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations, JSON.stringify(results.violations, null, 2)).toEqual([]);

  // The owner's Cognito email got a notice of each change, once each.
  await expect.poll(async () => (await mailTo(page, email)).map((mail) => mail.subject)).toEqual([
    "A sign-in method was removed from your account",
    "A sign-in method was added to your account",
    "A sign-in method was added to your account",
  ]);
  const [removal] = await mailTo(page, email);
  expect(removal.text).toContain(`An email code (${mask(second)}) was removed from your account.`);
  expect(removal.text).toContain("Device: Chrome on Windows");
  expect(removal.text).not.toContain(second);
});

for (const width of [360, 1280]) {
  test(`recent activity screenshots at ${width} px`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width, height: 900 });
    await signUp(page, `activity-shot-${width}`);
    const address = freshEmail("shot");
    await addEmailCode(page, address);
    await stepUpNow(page, address);
    await expect(entries(page)).toHaveCount(3);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.getByRole("region", { name: "Recent activity" }).screenshot({
      path: testInfo.outputPath(`activity-${width}.png`),
    });
    await page.screenshot({ path: testInfo.outputPath(`activity-${width}-page.png`), fullPage: true });
  });
}

test("a long history of sign-ins from apps that name no browser hydrates as it was rendered", async ({
  page,
  playwright,
}) => {
  const email = await signUp(page, "history");
  // Signing in the way a script or a native app's web view would: no browser to name.
  const app = await playwright.request.newContext({ userAgent: "curl/8.4.0" });
  for (let i = 0; i < 24; i++) {
    const login = await app.get(`${appURL}/auth/sign-in`);
    const landed = await app.post(login.url(), {
      form: { username: email, password: PASSWORD },
      headers: { Origin: cognitoURL },
    });
    expect(landed.url()).toBe(`${appURL}/security`);
  }
  await app.dispose();

  // The fixture fails the test on any error in the console, a hydration mismatch among them.
  await page.reload();
  await hydrated(page);
  await expect(entries(page)).toHaveCount(25);
  await expect(entries(page).first()).toHaveText(/^Signed in\s*just now · 127\.0\.0\.1$/);
  await expect(entries(page).last()).toContainText("Chrome on Windows");
  // And the page works: the kind of method switches the form.
  await page.getByRole("group", { name: "Kind of method" }).getByRole("button", { name: "Authenticator app" }).click();
  await expect(page.getByRole("region", { name: "Add an authenticator app" })).toBeVisible();
});
