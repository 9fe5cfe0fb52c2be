import { test, expect, hydrated, allowConsoleErrors } from "./fixtures";

test("the start page hydrates and a WASM-driven disclosure opens", async ({ page, consoleErrors }) => {
  const bundle = page.waitForResponse((response) => response.url().endsWith(".wasm"));
  await page.goto("/");
  // The bundle travels compressed; the page itself does not (see src/server/http/compression.rs).
  expect((await bundle).headers()["content-encoding"]).toMatch(/^(br|gzip)$/);
  await expect(page).toHaveTitle("Welcome · Account Security");
  await hydrated(page);

  const toggle = page.getByRole("button", { name: "How it works" });
  await expect(toggle).toHaveAttribute("aria-expanded", "false");
  await expect(page.locator("#how-it-works")).toBeHidden();

  await toggle.click();

  await expect(page.getByRole("button", { name: "Hide how it works" })).toHaveAttribute("aria-expanded", "true");
  await expect(page.locator("#how-it-works")).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test("an unknown path answers 404 with a page that hydrates under the CSP", async ({ page, consoleErrors }) => {
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await hydrated(page);
  allowConsoleErrors(consoleErrors, /status of 404/);
});
