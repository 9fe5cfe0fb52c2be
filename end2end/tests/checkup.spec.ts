// The security checkup, "Test" on each kind of method, security keys, and a removed passkey
// leaving the browser's authenticator.

import type { Page } from "@playwright/test";

import { test, expect } from "./fixtures";
import {
  addEmailCode,
  choose,
  codesSent,
  freshEmail,
  freshPhone,
  latestCode,
  methodRows,
  nextCode,
  noViolations,
  passStepUp,
  screenshots,
  signUp,
  stepUpDialog,
  totp,
} from "./helpers";

const checkup = (page: Page) => page.getByRole("region", { name: "Security checkup" });

/// A virtual authenticator of `transport` (internal: the device's own; usb: a security key).
async function authenticator(page: Page, transport: "internal" | "usb") {
  const devtools = await page.context().newCDPSession(page);
  await devtools.send("WebAuthn.enable");
  const { authenticatorId } = await devtools.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport,
      hasResidentKey: transport === "internal",
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    credentials: async () => (await devtools.send("WebAuthn.getCredentials", { authenticatorId })).credentials,
  };
}

/// Adds a text-message number as a first method; answers it.
async function addNumber(page: Page): Promise<string> {
  const region = await choose(page, "Text message code", "Add a text message code");
  const phone = freshPhone();
  await region.getByLabel("Phone number").fill(phone);
  await region.getByRole("button", { name: "Send code" }).click();
  await region.getByLabel("6-digit code").fill(await latestCode(page.request, phone));
  await region.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Text message code for ${phone} added.` })).toBeAttached();
  return phone;
}

test("the checkup warns about text messages alone, then follows a passkey added from its link", async ({ page }) => {
  await authenticator(page, "internal");
  await signUp(page, "checkup");
  await expect(checkup(page)).toContainText("You could lose access to your account.");
  await expect(checkup(page)).toContainText("You have only your password.");
  const phone = await addNumber(page);
  await expect(checkup(page)).toContainText("Text messages are your only way in.");
  await expect(checkup(page)).toContainText("You have one method.");
  await noViolations(page, "checkup, text messages only");
  await screenshots(page, "checkup-sms-only");

  // Its action: the add form, with the passkey chosen.
  await checkup(page).getByRole("link", { name: "Add a passkey" }).first().click();
  await expect(page).toHaveURL(/\?add=PASSKEY#add-title$/);
  const region = page.getByRole("region", { name: "Add a passkey" });
  await region.getByRole("button", { name: "Create a passkey" }).click();
  const dialog = stepUpDialog(page);
  const before = await codesSent(page.request, phone);
  await dialog.getByRole("button", { name: "Send code" }).click();
  await dialog.getByLabel("6-digit code").fill(await nextCode(page.request, phone, before));
  await dialog.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Passkey added." })).toBeAttached();
  await expect(checkup(page)).toContainText("Your account could be better protected.");
  await expect(checkup(page)).toContainText("Each of your passkeys lives on one device only.");
  await expect(checkup(page)).not.toContainText("Text messages are your only way in.");
  await screenshots(page, "checkup-after-passkey");
});

test("Test runs an email code's, an app's and a passkey's own challenge, and says it works", async ({ page }) => {
  await authenticator(page, "internal");
  await signUp(page, "test-each");
  const email = freshEmail("tested");
  await addEmailCode(page, email);
  // The app, after a step-up with the email code.
  const adding = await choose(page, "Authenticator app", "Add an authenticator app");
  await adding.getByRole("button", { name: "Set up an app" }).click();
  await passStepUp(page, email);
  const secret = (await adding.getByRole("code").textContent())!.replace(/\s/g, "");
  await adding.getByLabel("6-digit code from the app").fill(totp(secret));
  await adding.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Authenticator app added." })).toBeAttached();
  await page.getByRole("button", { name: "End now" }).click();

  // An email code, with a wrong code first: it says what to try, and nothing changes.
  const emailRow = methodRows(page).filter({ hasText: "Email code" });
  await emailRow.getByRole("button", { name: /^Test/ }).click();
  const dialog = stepUpDialog(page);
  await expect(dialog).toContainText("Check that this method works");
  const sent = await codesSent(page.request, email);
  await dialog.getByRole("button", { name: "Send code" }).click();
  const code = await nextCode(page.request, email, sent);
  await dialog.getByLabel("6-digit code").fill(code === "000000" ? "111111" : "000000");
  await dialog.getByRole("button", { name: "Verify" }).click();
  await expect(dialog.getByRole("alert")).toContainText("That code is not right.");
  await noViolations(page, "a test's wrong code");
  await dialog.getByLabel("6-digit code").fill(code);
  await dialog.getByRole("button", { name: "Verify" }).click();
  await expect(dialog).toBeHidden();
  await expect(emailRow).toContainText("Works — tested just now");
  await expect(emailRow).toContainText("Last used just now");
  await expect(page.getByRole("button", { name: "End now" })).toBeVisible();
  await screenshots(page, "test-email-works");

  // The app: its code, straight away.
  const appRow = methodRows(page).filter({ hasText: "Authenticator app" });
  await appRow.getByRole("button", { name: /^Test/ }).click();
  await expect(dialog.getByRole("radio", { name: "Authenticator app", exact: true })).toBeChecked();
  await dialog.getByRole("button", { name: "Continue" }).click();
  await dialog.getByLabel("6-digit code").fill(totp(secret, Date.now() + 30_000));
  await dialog.getByRole("button", { name: "Verify" }).click();
  await expect(appRow).toContainText("Works — tested just now");

  // A passkey: the device's prompt.
  const region = await choose(page, "Passkey", "Add a passkey");
  await region.getByRole("button", { name: "Create a passkey" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Passkey added." })).toBeAttached();
  await page.getByRole("button", { name: "End now" }).click();
  const passkeyRow = methodRows(page).filter({ hasText: "Passkey" });
  await passkeyRow.getByRole("button", { name: /^Test/ }).click();
  await dialog.getByRole("button", { name: "Use passkey" }).click();
  await expect(passkeyRow).toContainText("Works — tested just now");

  // Abandoned: nothing changes.
  await emailRow.getByRole("button", { name: /^Test/ }).click();
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
});

test("a security key is added, named, tested, and counted as phishing-resistant", async ({ page }) => {
  const key = await authenticator(page, "usb");
  await signUp(page, "security-key");
  const first = freshEmail("first");
  await addEmailCode(page, first);
  await expect(checkup(page)).toContainText("None of your methods stops phishing");

  const region = await choose(page, "Security key", "Add a security key");
  await region.getByRole("button", { name: "Add a security key" }).click();
  await passStepUp(page, first);
  await expect(page.getByRole("status").filter({ hasText: "Security key added." })).toBeAttached();
  expect(await key.credentials()).toHaveLength(1);
  const row = methodRows(page).filter({ hasText: "Security key" });
  await expect(row).toBeVisible();
  await expect(checkup(page)).not.toContainText("None of your methods stops phishing");
  await noViolations(page, "a security key");
  await screenshots(page, "security-key-added");

  await page.getByRole("button", { name: "End now" }).click();
  await row.getByRole("button", { name: /^Test/ }).click();
  await stepUpDialog(page).getByRole("button", { name: "Use security key" }).click();
  await expect(row).toContainText("Works — tested just now");
});

test("a removed passkey leaves the browser's authenticator, which the Signal API tells", async ({ page }) => {
  const device = await authenticator(page, "internal");
  await signUp(page, "signal");
  const keep = freshEmail("keep");
  await addEmailCode(page, keep);
  const region = await choose(page, "Passkey", "Add a passkey");
  await region.getByRole("button", { name: "Create a passkey" }).click();
  await passStepUp(page, keep);
  await expect(page.getByRole("status").filter({ hasText: "Passkey added." })).toBeAttached();
  expect(await device.credentials()).toHaveLength(1);
  const signals = await page.evaluate(() => typeof PublicKeyCredential.signalUnknownCredential === "function");
  expect(signals, "this Chromium has the WebAuthn Signal API").toBe(true);

  await methodRows(page).filter({ hasText: "Passkey" }).getByRole("link", { name: /^Remove/ }).click();
  const confirm = page.getByRole("dialog", { name: "Remove passkey?" });
  await expect(confirm.getByText("delete it there too")).toBeHidden();
  await confirm.getByRole("button", { name: "Remove" }).click();
  await expect(page.getByText("Sign-in method removed.")).toBeVisible();
  await expect.poll(async () => (await device.credentials()).length).toBe(0);
});
