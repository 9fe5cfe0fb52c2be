import { test as base, expect, type Page } from "@playwright/test";

/// Every test fails if a page of its browser context logs an error (a CSP violation, a
/// hydration panic, a failed request) unless the test declares it expected. It runs for every
/// test, whether or not the test names it.
export const test = base.extend<{ consoleErrors: string[]; realTime: void }>({
  // A test may move the local Authsignal's clock forward; the next one starts on real time,
  // which the app's own clock agrees with.
  realTime: [
    async ({ playwright }, use) => {
      await use();
      const request = await playwright.request.newContext();
      await request.delete(`${process.env.LOCAL_AUTHSIGNAL_URL ?? "http://localhost:3200"}/_local/clock`);
      await request.dispose();
    },
    { auto: true },
  ],
  consoleErrors: [
    async ({ context }, use) => {
      const errors: string[] = [];
      const watch = (page: Page) => {
        page.on("console", (message) => {
          if (message.type() === "error") errors.push(`${page.url()}: ${message.text()}`);
        });
        page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
      };
      context.pages().forEach(watch);
      context.on("page", watch);
      await use(errors);
      expect(errors, "errors in the browser console").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/// Removes the errors a test caused on purpose (a refused request logs "Failed to load
/// resource: … 409"), so the fixture's check still catches every other one.
export function allowConsoleErrors(errors: string[], expected: RegExp): void {
  const kept = errors.filter((error) => !expected.test(error));
  errors.splice(0, errors.length, ...kept);
}

/// Waits until the WASM bundle has hydrated the page (set from an Effect in <App/>).
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}
