// "Where you're signed in", with two browser contexts as two devices of one person: the list
// shows both, one signs the other out, sign out everywhere, and the "Wasn't you?" link of a
// real notice in the local outbox.

import type { Browser, Page } from "@playwright/test";

import { test, expect, hydrated, allowConsoleErrors } from "./fixtures";
import {
  PASSWORD,
  addEmailCode,
  freshEmail,
  mailTo,
  methodRows,
  noViolations,
  passStepUp,
  screenshots,
  signUp,
  stepUpDialog,
} from "./helpers";

const sessions = (page: Page) => page.getByRole("list", { name: "Your sessions" }).getByRole("listitem");
const section = (page: Page) => page.getByRole("region", { name: "Where you're signed in" });

/// The same person on another device: a browser context of its own, signed in with the password.
async function anotherDevice(browser: Browser, email: string, userAgent: string): Promise<Page> {
  const context = await browser.newContext({ userAgent });
  const page = await context.newPage();
  await page.goto("/security");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/security$/);
  await hydrated(page);
  return page;
}

const FIREFOX_ON_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

test("the list shows both devices, and one signs the other out", async ({ page, browser }) => {
  const email = await signUp(page, "two-devices");
  const first = freshEmail("first");
  await addEmailCode(page, first);
  const laptop = await anotherDevice(browser, email, FIREFOX_ON_LINUX);

  await page.reload();
  await hydrated(page);
  await expect(sessions(page)).toHaveCount(2);
  const here = sessions(page).filter({ hasText: "This device" });
  await expect(here).toContainText("Chrome on Windows");
  await expect(here.getByRole("button", { name: /^Sign out/ })).toHaveCount(0);
  const there = sessions(page).filter({ hasText: "Firefox on Linux" });
  await expect(there).toContainText("Signed in just now");
  await noViolations(page, "two sessions");
  await screenshots(page, "sessions-two-devices");

  await there.getByRole("button", { name: "Sign out Firefox on Linux" }).click();
  await passStepUp(page, first);
  await expect(sessions(page)).toHaveCount(1);
  await expect(page.getByRole("list", { name: "Recent activity, newest first" }).getByRole("listitem").first()).toContainText(
    "Signed out Firefox on Linux",
  );

  // The other device's next click that reaches the server lands on the page that says what
  // happened: here a server function's answer (the step-up's "Send code").
  await laptop.getByRole("button", { name: "Verify it's you" }).click();
  await stepUpDialog(laptop).getByRole("button", { name: "Send code" }).click();
  await expect(laptop).toHaveURL(/\/signed-out\?reason=session-ended$/);
  await expect(laptop.getByRole("heading", { name: "You were signed out from another device" })).toBeVisible();
  await noViolations(laptop, "signed out from elsewhere");
  await screenshots(laptop, "sessions-signed-out-elsewhere");
  await laptop.context().close();
});

test("sign out everywhere asks once more, then signs this browser out too", async ({ page, browser, consoleErrors }) => {
  const email = await signUp(page, "everywhere");
  const first = freshEmail("first");
  await addEmailCode(page, first);
  const phone = await anotherDevice(browser, email, FIREFOX_ON_LINUX);

  // A disclosure: it asks once more, without JavaScript too.
  await section(page).getByText("Sign out everywhere", { exact: true }).click();
  await expect(section(page)).toContainText("Every browser and app signed in to your account will be signed out, this one too.");
  await noViolations(page, "sign out everywhere, asking");
  await screenshots(page, "sessions-everywhere-asking");
  await section(page).getByRole("button", { name: "Yes, sign out everywhere" }).click();
  await passStepUp(page, first);
  await expect(page).toHaveURL(/\/signed-out\?reason=signed-out-everywhere$/);
  await expect(page.getByRole("heading", { name: "You signed out everywhere" })).toBeVisible();
  await screenshots(page, "sessions-signed-out-everywhere");
  // The step-up refreshes the list and the activity log while the sign-out runs; a refresh that
  // reaches the server after this session ended is refused (401) as the page leaves.
  allowConsoleErrors(consoleErrors, /status of 401/);

  await phone.reload();
  await expect(phone).toHaveURL(/\/signed-out\?reason=signed-out-everywhere$/);
  await phone.context().close();
  await expect
    .poll(async () => (await mailTo(page, email)).map((mail) => mail.subject))
    .toContain("Your account was signed out everywhere");
});

test("the Wasn't you? link of a real notice removes the method and signs out everywhere", async ({ page, consoleErrors }) => {
  const email = await signUp(page, "wasnt-me");
  const first = freshEmail("first");
  await addEmailCode(page, first);
  const intruder = freshEmail("intruder");
  await addEmailCode(page, intruder);
  // The notice of the second addition, as the owner reads it.
  let link = "";
  await expect
    .poll(async () => {
      const notices = await mailTo(page, email);
      const added = notices.find((mail) => mail.text.includes(`(${intruder[0]}•••@example.com) was added`));
      link = added?.text.match(/https?:\/\/\S*wasnt_me=\S+/)?.[0] ?? "";
      return link;
    })
    .toContain("wasnt_me=");
  await page.getByRole("button", { name: "End now" }).click();

  await page.goto(link);
  const panel = page.getByRole("region", { name: "Wasn't you?" });
  await expect(panel).toContainText(`Our notice said an email code (${intruder[0]}•••@example.com) was added to your account.`);
  await noViolations(page, "wasn't you");
  await screenshots(page, "sessions-wasnt-me");
  await panel.getByRole("button", { name: "Remove it and sign out everywhere" }).click();
  await expect(stepUpDialog(page)).toBeVisible();
  await passStepUp(page, first);
  await expect(page).toHaveURL(/\/signed-out\?reason=signed-out-everywhere$/);

  // Signed in again, the method is gone, and the link acts no more. (A sign-in within the same
  // second as the sign-out counts as one from before it.)
  await page.waitForTimeout(1100);
  await page.goto("/security");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await hydrated(page);
  await expect(methodRows(page)).toHaveCount(1);
  await page.goto(link);
  await expect(page.getByRole("region", { name: "Wasn't you?" })).toContainText("This link was used already.");
  allowConsoleErrors(consoleErrors, /status of 400/);
});
