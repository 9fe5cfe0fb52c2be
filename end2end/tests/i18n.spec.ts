import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import { test, expect, hydrated } from "./fixtures";
import { appURL, codesSent, freshEmail, mailTo, mask, nextCode, noViolations, screenshots, signUp } from "./helpers";

type Page = import("@playwright/test").Page;

/// The page in each of its languages. What a person reads is looked up in the catalogs the app is
/// built from (locales/<lang>/), so these tests follow a better translation without an edit.
const LOCALES = ["en", "de", "fr", "es", "ja", "ar"] as const;
type Lang = (typeof LOCALES)[number];

const catalogs = new Map<Lang, Record<string, Record<string, unknown>>>();

function catalog(lang: Lang): Record<string, Record<string, unknown>> {
  const known = catalogs.get(lang);
  if (known) return known;
  const root = path.join(__dirname, "..", "..", "locales", lang);
  const groups: Record<string, Record<string, unknown>> = {};
  for (const dir of [root, path.join(root, "server")]) {
    // A group may have page and server-only messages; build.rs refuses a name used in both.
    for (const file of readdirSync(dir).filter((name) => name.endsWith(".json"))) {
      const group = file.replace(/\.json$/, "");
      groups[group] = { ...groups[group], ...JSON.parse(readFileSync(path.join(dir, file), "utf8")) };
    }
  }
  catalogs.set(lang, groups);
  return groups;
}

/// A message of `lang` with its placeholders filled.
function t(lang: Lang, group: string, key: string, values: Record<string, string> = {}): string {
  const message = catalog(lang)[group]?.[key];
  if (typeof message !== "string") throw new Error(`${lang}/${group}.json: no text ${key}`);
  return message.replace(/\{(\w+)\}/g, (whole, name) => values[name] ?? whole);
}

async function inLanguage(page: Page, lang: Lang) {
  await page.context().addCookies([{ name: "lang", value: lang, url: appURL }]);
}

/// Adds an email code through the page in `lang`, reading the code from the outbox.
async function addEmail(page: Page, lang: Lang, address: string) {
  const form = page.getByRole("region", { name: t(lang, "add_code", "email_title") });
  await form.getByLabel(t(lang, "add_code", "email_label")).fill(address);
  const sent = await codesSent(page.request, address);
  await form.getByRole("button", { name: t(lang, "add_code", "send_code") }).click();
  const code = form.getByLabel(t(lang, "add_code", "code_label"));
  await expect(code).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: t(lang, "add_code", "code_sent", { address }) })).toBeAttached();
  await code.fill(await nextCode(page.request, address, sent));
  await form.getByRole("button", { name: t(lang, "add_code", "verify"), exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: t(lang, "add_code", "email_added", { address }) })).toBeAttached();
}

for (const lang of LOCALES) {
  test(`the page, its add flow, both dialogs and the signed-out page in ${lang}`, async ({ page }) => {
    const say = (group: string, key: string, values: Record<string, string> = {}) => t(lang, group, key, values);
    await inLanguage(page, lang);
    const email = await signUp(page, `i18n-${lang}`);
    await expect(page.locator("html")).toHaveAttribute("lang", lang);
    await expect(page.locator("html")).toHaveAttribute("dir", lang === "ar" ? "rtl" : "ltr");
    await expect(page.getByRole("heading", { level: 1, name: say("security", "title") })).toBeVisible();
    await noViolations(page, `${lang}: empty`);

    // The add flow, as the person reads it.
    await addEmail(page, lang, email);
    const rows = page.getByRole("list", { name: say("list", "methods_label") }).getByRole("listitem");
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText(say("method", "email_otp"));
    await noViolations(page, `${lang}: one method`);
    await screenshots(page, `i18n-${lang}-security`);
    await expectNothingClipped(page, `${lang}: the page`);

    // The notice of that addition, in the language the person uses the page in.
    await expect
      .poll(async () => (await mailTo(page, email)).map((mail) => mail.subject))
      .toContain(say("mail", "subject_added"));

    // The step-up dialog, passed with the code sent to that address.
    await page.getByRole("button", { name: say("step_up", "verify_button") }).click();
    const stepUp = page.getByRole("dialog", { name: say("step_up", "title") });
    await expect(stepUp).toBeVisible();
    await noViolations(page, `${lang}: step-up dialog`);
    await screenshots(page, `i18n-${lang}-step-up`);
    await expectNothingClipped(page, `${lang}: the step-up dialog`);
    await stepUp.getByRole("radio", { name: `${say("method", "email_otp")} ${mask(email)}`, exact: true }).check();
    const sent = await codesSent(page.request, email);
    await stepUp.getByRole("button", { name: say("step_up", "send_code") }).click();
    await stepUp.getByLabel(say("step_up", "code_label")).fill(await nextCode(page.request, email, sent));
    await stepUp.getByRole("button", { name: say("step_up", "verify_code"), exact: true }).click();
    await expect(stepUp).toBeHidden();

    // A second method, then the removal dialog for it.
    const second = freshEmail(`i18n-${lang}-second`);
    await addEmail(page, lang, second);
    await expect(rows).toHaveCount(2);
    const removeLabel = new RegExp(`^${escape(say("list", "remove_method").split("{")[0])}`);
    await rows.nth(1).getByRole("link", { name: removeLabel }).click();
    const removal = page.getByRole("dialog");
    await expect(removal).toBeVisible();
    await expect(removal.getByRole("button", { name: say("remove", "confirm"), exact: true })).toBeVisible();
    await noViolations(page, `${lang}: removal dialog`);
    await screenshots(page, `i18n-${lang}-remove`);
    await expectNothingClipped(page, `${lang}: the removal dialog`);
    await removal.getByRole("link", { name: say("remove", "cancel"), exact: true }).click();
    await expect(removal).toBeHidden();

    // Signed out.
    await page.getByRole("button", { name: say("header", "sign_out") }).click();
    await expect(page).toHaveURL(/\/signed-out/);
    await expect(page.getByRole("heading", { name: say("signed_out", "heading_signed_out") })).toBeVisible();
    await noViolations(page, `${lang}: signed out`);
    await screenshots(page, `i18n-${lang}-signed-out`);
    await expectNothingClipped(page, `${lang}: the signed-out page`);
  });
}

test("the language menu changes the page's language, with JavaScript", async ({ page }) => {
  await page.setExtraHTTPHeaders({ "Accept-Language": "en-US,en;q=0.9" });
  await signUp(page, "menu-js");
  await page.getByLabel(t("en", "language", "label")).selectOption({ label: "Deutsch" });
  await page.getByRole("button", { name: t("en", "language", "change") }).click();
  await expect(page).toHaveURL(/\/security$/);
  await expect(page.locator("html")).toHaveAttribute("lang", "de");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1, name: t("de", "security", "title") })).toBeVisible();
  // Back to English from the German menu.
  await page.getByLabel(t("de", "language", "label")).selectOption({ label: "English" });
  await page.getByRole("button", { name: t("de", "language", "change") }).click();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
});

test("the language menu works without JavaScript, on a page that needs no sign-in", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: "fr-FR" });
  const page = await context.newPage();
  await page.goto("/signed-out?reason=signed-out");
  await expect(page.locator("html")).toHaveAttribute("lang", "fr");
  await expect(page.getByRole("heading", { name: t("fr", "signed_out", "heading_signed_out") })).toBeVisible();
  await page.getByLabel(t("fr", "language", "label")).selectOption({ label: "العربية" });
  await page.getByRole("button", { name: t("fr", "language", "change") }).click();
  await expect(page).toHaveURL(/\/signed-out\?reason=signed-out$/);
  await expect(page.locator("html")).toHaveAttribute("dir", "rtl");
  await expect(page.getByRole("heading", { name: t("ar", "signed_out", "heading_signed_out") })).toBeVisible();
  await context.close();
});

for (const timezoneId of ["Pacific/Auckland", "America/Los_Angeles"]) {
  test(`times are in the browser's zone: ${timezoneId}`, async ({ browser }) => {
    const context = await browser.newContext({ timezoneId, locale: "en-GB" });
    const page = await context.newPage();
    const email = await signUp(page, "zone");
    // As this browser writes a moment in its own zone: the server's words and the browser's agree.
    const inZone = async (time: import("@playwright/test").Locator) => {
      const iso = (await time.getAttribute("datetime"))!;
      return new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: timezoneId }).format(new Date(iso));
    };
    // The first page came before the server knew the zone: written in UTC, then again here.
    const signedIn = page.getByRole("list", { name: t("en", "activity", "list_label") }).locator("time").first();
    await expect(signedIn).toHaveAttribute("title", await inZone(signedIn));
    await addEmail(page, "en", email);
    const added = page.getByRole("list", { name: t("en", "list", "methods_label") }).locator("time").first();
    await expect(added).toHaveAttribute("title", await inZone(added));
    // Made on the server, from the zone the page reported.
    await page.reload();
    await hydrated(page);
    await expect(added).toHaveAttribute("title", await inZone(added));
    await expect(signedIn).toHaveAttribute("title", await inZone(signedIn));
    const serverMade = await (await page.request.get("/security")).text();
    expect(serverMade).toContain(`data-time-zone="${timezoneId}"`);
    await context.close();
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/// No text is cut or spills out sideways: the page scrolls only down, and no element's text is
/// wider than its box.
async function expectNothingClipped(page: Page, state: string) {
  await page.setViewportSize({ width: 360, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${state}: wider than 360 px`).toBeLessThanOrEqual(0);
  const clipped = await page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>("button, a, label, h1, h2, p, li, summary, select")]
      .filter((element) => element.offsetParent !== null && !element.closest(".visually-hidden"))
      .filter((element) => getComputedStyle(element).textOverflow !== "ellipsis")
      .filter((element) => element.scrollWidth > element.clientWidth + 1)
      .map((element) => element.textContent?.trim().slice(0, 60)),
  );
  expect(clipped, `${state}: text cut at 360 px`).toEqual([]);
  await page.setViewportSize({ width: 1280, height: 800 });
}
