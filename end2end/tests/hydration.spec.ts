import { test, expect, hydrated, allowConsoleErrors } from "./fixtures";
import { addEmailCode, signUp } from "./helpers";

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

test("once /security is idle it fetches the code a next click needs, so the click does not wait", async ({ page }) => {
  const prefetched = ["split_step_up_dialog", "split_authenticator_app", "split_passkey"].map((chunk) =>
    page.waitForResponse((response) => response.url().includes(`/pkg/${chunk}.`) && response.ok()),
  );
  const email = await signUp(page, "prefetch");
  await hydrated(page);
  await Promise.all(prefetched);
  await addEmailCode(page, email);

  // Nothing more can be fetched now, and the flows and the dialog still open.
  await page.route(/\/pkg\//, (route) => route.abort());
  await page.getByRole("group", { name: "Kind of method" }).getByRole("button", { name: "Authenticator app" }).click();
  await expect(page.getByRole("region", { name: "Add an authenticator app" })).toBeVisible();
  await page.getByRole("group", { name: "Kind of method" }).getByRole("button", { name: "Passkey" }).click();
  await expect(page.getByRole("region", { name: "Add a passkey" })).toBeVisible();
  await page.getByRole("button", { name: "Verify it's you" }).click();
  await expect(page.getByRole("dialog", { name: "Verify it's you" }).getByRole("group", { name: "Verify with" })).toBeVisible();
});
