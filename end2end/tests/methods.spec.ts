import type { Page } from "@playwright/test";

import { test, expect } from "./fixtures";
import {
  addApp,
  appURL,
  banner,
  choose,
  codesSent,
  freshPhone,
  latestCode,
  methodRows as methods,
  nextCode,
  noViolations,
  screenshots,
  signUp,
  stepUpDialog,
  stepUpWithApp,
  totp,
  virtualAuthenticator,
} from "./helpers";

test("a text-message code is added with a number in international form, then used to step up", async ({ page }) => {
  await signUp(page, "sms");
  const region = await choose(page, "Text message code", "Add a text message code");
  const number = region.getByLabel("Phone number");
  await expect(number).toHaveAttribute("type", "tel");
  await expect(number).toHaveAccessibleDescription("Start with + and your country code, like +64 21 123 4567.");

  // A number typed as dialled at home is explained before anything is sent.
  await number.fill("021 123 4567");
  await region.getByRole("button", { name: "Send code" }).click();
  await expect(number).toHaveAttribute("aria-invalid", "true");
  await expect(region.getByText("That is a local number. Start with + and your country code")).toBeVisible();
  await expect(number).toBeFocused();
  await noViolations(page, "local number");

  const phone = freshPhone();
  await number.fill(`${phone.slice(0, 3)} ${phone.slice(3, 5)} ${phone.slice(5)}`);
  await region.getByRole("button", { name: "Send code" }).click();
  await expect(region.getByText(`We sent a 6-digit code to ${phone}.`)).toBeVisible();
  const code = region.getByLabel("6-digit code");
  await expect(code).toHaveAttribute("autocomplete", "one-time-code");
  await expect(code).toBeFocused();
  const sent = await latestCode(page.request, phone);
  await code.fill(sent === "000000" ? "111111" : "000000");
  await region.getByRole("button", { name: "Verify" }).click();
  await expect(region.getByText("That code is not right. Check the newest text message from us and try again.")).toBeVisible();
  await noViolations(page, "wrong code");
  await code.fill(sent);
  await region.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("status").filter({ hasText: `Text message code for ${phone} added.` })).toBeAttached();
  const masked = `+64 •• ••• ${phone.slice(-4)}`;
  await expect(methods(page).filter({ hasText: masked })).toBeVisible();

  await banner(page).getByRole("button", { name: "Verify it's you" }).click();
  const dialog = stepUpDialog(page);
  await expect(dialog.getByRole("radio", { name: `Text message code ${masked}` })).toBeChecked();
  const before = await codesSent(page.request, phone);
  await dialog.getByRole("button", { name: "Send code" }).click();
  await dialog.getByLabel("6-digit code").fill(await nextCode(page.request, phone, before));
  await dialog.getByRole("button", { name: "Verify" }).click();
  await expect(dialog).toBeHidden();
  await expect(banner(page)).toContainText("Verified");
});

test("an authenticator app is added from its QR code's key, and its codes step up", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  // Everything the browser sends to our own server, to show the secret is never in it.
  const toOurServer: string[] = [];
  page.on("request", (request) => {
    if (request.url().startsWith(appURL)) toOurServer.push(`${request.url()} ${request.postData() ?? ""}`);
  });
  await signUp(page, "app");
  const region = await choose(page, "Authenticator app", "Add an authenticator app");
  await region.getByRole("button", { name: "Set up an app" }).click();
  const qr = region.getByRole("img", { name: /^QR code for your authenticator app/ });
  await expect(qr).toBeVisible();
  const key = region.getByRole("code");
  const secret = (await key.textContent())!.replace(/\s/g, "");
  expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
  await expect(key).toHaveText(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
  // The text alternative never reads the secret aloud, and the secret is kept nowhere else.
  expect(await qr.getAttribute("aria-label")).not.toContain(secret.slice(0, 8));
  const kept = await page.evaluate(() => location.href + JSON.stringify(sessionStorage) + JSON.stringify(localStorage) + document.cookie);
  expect(kept).not.toContain(secret);
  await noViolations(page, "scan");

  await region.getByRole("button", { name: "Copy key" }).click();
  await expect(region.getByText("Key copied.")).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

  const right = totp(secret);
  await region.getByLabel("6-digit code from the app").fill(right === "000000" ? "111111" : "000000");
  await region.getByRole("button", { name: "Verify" }).click();
  await expect(region.getByText("That code is not right. Enter the newest code the app shows")).toBeVisible();
  await region.getByLabel("6-digit code from the app").fill(totp(secret));
  await region.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Authenticator app added." })).toBeAttached();
  await expect(methods(page).filter({ hasText: "Authenticator app" })).toBeVisible();

  await banner(page).getByRole("button", { name: "Verify it's you" }).click();
  await stepUpWithApp(page, secret);
  await expect(banner(page)).toContainText("Verified");
  expect(toOurServer.length).toBeGreaterThan(0);
  expect(toOurServer.filter((sent) => sent.includes(secret))).toEqual([]);
});

test("a passkey is created with the device, used to step up, and refused twice on one device", async ({ page }) => {
  const device = await virtualAuthenticator(page);
  await signUp(page, "passkey");
  const region = await choose(page, "Passkey", "Add a passkey");
  await region.getByRole("button", { name: "Create a passkey" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Passkey added." })).toBeAttached();
  await expect(methods(page).filter({ hasText: "Passkey" })).toHaveCount(1);
  expect(await device.credentials()).toHaveLength(1);
  await noViolations(page, "passkey added");

  // A second passkey on the same device: the step-up uses the first, then the device says it
  // has one already.
  await region.getByRole("button", { name: "Create a passkey" }).click();
  const dialog = stepUpDialog(page);
  await expect(dialog.getByRole("radio", { name: "Passkey", exact: true })).toBeChecked();
  await noViolations(page, "step up with a passkey");
  await dialog.getByRole("button", { name: "Use passkey" }).click();
  await expect(dialog).toBeHidden();
  await expect(banner(page)).toContainText("Verified");
  await expect(region.getByRole("alert")).toHaveText(
    "This device or security key already has a passkey for your account. Use another one, or keep the passkey you have.",
  );
  await expect(methods(page)).toHaveCount(1);
  await page.reload();
  await expect(methods(page).first()).toContainText("Last used");
});

test("a declined passkey prompt adds nothing and says so", async ({ page }) => {
  const device = await virtualAuthenticator(page);
  await signUp(page, "declined");
  const secret = await addApp(page);
  await device.decline();
  const region = await choose(page, "Passkey", "Add a passkey");
  await region.getByRole("button", { name: "Create a passkey" }).click();
  await stepUpWithApp(page, secret);
  await expect(region.getByRole("alert")).toHaveText(
    "You cancelled creating the passkey, so nothing was added. Try again when you're ready.",
  );
  await expect(region.getByRole("button", { name: "Try again" })).toBeEnabled();
  await expect(methods(page)).toHaveCount(1);
  await noViolations(page, "declined");
});

test("a declined passkey prompt in the step-up says so and leaves the other choices", async ({ page }) => {
  const device = await virtualAuthenticator(page);
  await signUp(page, "declined-step-up");
  const region = await choose(page, "Passkey", "Add a passkey");
  await region.getByRole("button", { name: "Create a passkey" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Passkey added." })).toBeAttached();
  await device.decline();
  await banner(page).getByRole("button", { name: "Verify it's you" }).click();
  const dialog = stepUpDialog(page);
  await dialog.getByRole("button", { name: "Use passkey" }).click();
  await expect(dialog.getByRole("alert")).toHaveText("You cancelled the passkey prompt. Try again, or use another method.");
  await expect(dialog.getByRole("radio", { name: "Passkey", exact: true })).toBeChecked();
  await noViolations(page, "declined step-up");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();
  await expect(banner(page)).toContainText("Verify it's you to make changes");
});

test("with only a passkey and an app, removing one needs consent and the last stays", async ({ page }) => {
  await virtualAuthenticator(page);
  await signUp(page, "no-fallback");
  const secret = await addApp(page);
  const region = await choose(page, "Passkey", "Add a passkey");
  await region.getByRole("button", { name: "Create a passkey" }).click();
  await stepUpWithApp(page, secret);
  await expect(page.getByRole("status").filter({ hasText: "Passkey added." })).toBeAttached();
  await expect(methods(page)).toHaveCount(2);

  await methods(page).filter({ hasText: "Passkey" }).getByRole("link", { name: /^Remove Passkey/ }).click();
  const dialog = page.getByRole("dialog", { name: "Remove passkey?" });
  await expect(dialog).toContainText("You can still sign in with: Authenticator app");
  // Remove waits for the consent, and says so.
  const remove = dialog.getByRole("button", { name: "Remove" });
  await expect(remove).toBeDisabled();
  await expect(remove).toHaveAccessibleDescription("Tick “I understand” to remove it.");
  await noViolations(page, "consent needed");
  await screenshots(page, "remove-consent-needed");
  await dialog.getByLabel("I understand, remove it anyway").check();
  await expect(remove).toBeEnabled();
  await remove.click();
  await expect(page.getByText("Sign-in method removed.")).toBeVisible();
  await expect(methods(page)).toHaveCount(1);
  const last = methods(page).first();
  await expect(last).toContainText("Authenticator app");
  await expect(last.getByRole("button", { name: "Remove" })).toBeDisabled();
  await expect(last).toContainText("This is your only method to prove it's you");
});

test("a browser without WebAuthn is told why passkeys are unavailable", async ({ page }) => {
  await page.addInitScript(() => {
    delete (window as { PublicKeyCredential?: unknown }).PublicKeyCredential;
  });
  await signUp(page, "no-webauthn");
  const region = await choose(page, "Passkey", "Add a passkey");
  await expect(region.getByText("This browser can't use passkeys.")).toBeVisible();
  await expect(region.getByRole("button", { name: "Create a passkey" })).toBeDisabled();
  await noViolations(page, "unsupported");
});

test("an authenticator app can be added with the keyboard alone", async ({ page }) => {
  await signUp(page, "app-keyboard");
  const kinds = page.getByRole("group", { name: "Kind of method" });
  const kind = kinds.getByRole("button", { name: "Authenticator app" });
  // The kinds after it are those the tenant lets this person add, known once the page asked.
  await expect(kinds.getByRole("button", { name: "Security key" })).toBeVisible();
  await kind.focus();
  await page.keyboard.press("Enter");
  await expect(kind).toHaveAttribute("aria-pressed", "true");
  const region = page.getByRole("region", { name: "Add an authenticator app" });
  // Its code may still be on its way (a chunk of its own): a person tabs on once it shows.
  await expect(region).toBeVisible();
  // Past the last two kinds (passkey, security key), into the flow below.
  for (let step = 0; step < 3; step++) await page.keyboard.press("Tab");
  await expect(region.getByRole("button", { name: "Set up an app" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(region.getByText("Open your authenticator app, add an account, and scan this QR code.")).toBeFocused();
  await page.keyboard.press("Tab");
  await expect(region.getByRole("button", { name: "Copy key" })).toBeFocused();
  await page.keyboard.press("Tab");
  const code = region.getByLabel("6-digit code from the app");
  await expect(code).toBeFocused();
  const secret = (await region.getByRole("code").textContent())!.replace(/\s/g, "");
  await page.keyboard.type(totp(secret));
  await page.keyboard.press("Enter");
  await expect(page.getByRole("status").filter({ hasText: "Authenticator app added." })).toBeAttached();
  await expect(methods(page).filter({ hasText: "Authenticator app" })).toBeFocused();
});

for (const width of [360, 1280]) {
  test(`add-a-method screenshots at ${width} px`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width, height: 900 });
    await virtualAuthenticator(page);
    await signUp(page, `methods-shot-${width}`);
    const shot = async (name: string) => {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, name).toBeLessThanOrEqual(0);
      await page.screenshot({ path: testInfo.outputPath(`methods-${width}-${name}.png`), fullPage: true });
    };
    const sms = await choose(page, "Text message code", "Add a text message code");
    await sms.getByLabel("Phone number").fill("021 123 4567");
    await sms.getByRole("button", { name: "Send code" }).click();
    await expect(sms.getByText("That is a local number.")).toBeVisible();
    await shot("sms-local-number");

    const app = await choose(page, "Authenticator app", "Add an authenticator app");
    await app.getByRole("button", { name: "Set up an app" }).click();
    await expect(app.getByRole("img", { name: /^QR code/ })).toBeVisible();
    await shot("app-scan");
    const secret = (await app.getByRole("code").textContent())!.replace(/\s/g, "");
    await app.getByLabel("6-digit code from the app").fill(totp(secret));
    await app.getByRole("button", { name: "Verify" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Authenticator app added." })).toBeAttached();

    const passkey = await choose(page, "Passkey", "Add a passkey");
    await passkey.getByRole("button", { name: "Create a passkey" }).click();
    await expect(stepUpDialog(page)).toBeVisible();
    await shot("step-up-choices");
    await stepUpWithApp(page, secret);
    await expect(page.getByRole("status").filter({ hasText: "Passkey added." })).toBeAttached();
    await expect(methods(page)).toHaveCount(2);
    await shot("passkey-added");
    await page.emulateMedia({ colorScheme: "dark" });
    await choose(page, "Authenticator app", "Add an authenticator app");
    await page.getByRole("button", { name: "Set up an app" }).click();
    await expect(page.getByRole("img", { name: /^QR code/ })).toBeVisible();
    await noViolations(page, "dark mode");
    await shot("dark-app-scan");
  });
}
