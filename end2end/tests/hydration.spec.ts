import { test, expect, hydrated, allowConsoleErrors } from "./fixtures";
import { addEmailCode, signUp } from "./helpers";

test("the pages other than /security are the server's HTML alone: no bundle, and they work", async ({ page, consoleErrors }) => {
  const fetched: string[] = [];
  page.on("request", (request) => {
    if (/\.(js|wasm)$/.test(new URL(request.url()).pathname)) fetched.push(request.url());
  });
  await page.goto("/");
  await expect(page).toHaveTitle("Welcome · Account Security");
  // The browser's own disclosure: it opens with no script.
  const more = page.locator(".disclosure p").first();
  await expect(more).toBeHidden();
  await page.getByText("How it works").click();
  await expect(more).toBeVisible();

  await page.goto("/signed-out?reason=signed-out");
  await expect(page.getByRole("heading", { name: "You are signed out" })).toBeVisible();

  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();

  for (const path of ["/", "/signed-out?reason=signed-out", "/no-such-page"]) {
    await page.goto(path);
    await expect(page.locator("script[src], link[rel=modulepreload], link[rel=preload]"), path).toHaveCount(0);
    await expect(page.locator("#i18n"), path).toHaveCount(0);
    await expect(page.getByRole("combobox", { name: "Language" }), path).toBeVisible();
  }
  expect(fetched).toEqual([]);
  allowConsoleErrors(consoleErrors, /status of 404/);
});

test("/security hydrates under the CSP from a bundle that travels compressed", async ({ page, consoleErrors }) => {
  const bundle = page.waitForResponse((response) => /\/pkg\/account-security\.[^/]*wasm$/.test(response.url()));
  await signUp(page, "bundle");
  // The bundle travels compressed; the page itself does not (see src/server/http/compression.rs).
  expect((await bundle).headers()["content-encoding"]).toMatch(/^(br|gzip)$/);
  await hydrated(page);
  expect(consoleErrors).toEqual([]);
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
