// Time from navigation start to hydrated for a signed-in page in headless Chromium: the moment
// `<body data-hydrated="true">` appears (set from an Effect once the WASM runs), taken by a
// MutationObserver installed before any of the page's scripts. Median of RUNS loads, cold (a new
// context each time: nothing cached) and warm (reloads in one context). A time is only worth
// something if the page then works, so it also counts the errors the pages logged (a hydration
// panic comes after the marker, so each load is given a moment to log one).
//
//   BENCH_COOKIE='name=value; …' node benches/hydration.mjs URL [RUNS]
// Prints: cold_ms=… warm_ms=… errors=…; the first errors go to stderr.
import { createRequire } from "node:module";

// Playwright is installed for the end-to-end tests; use the same copy.
const require = createRequire(new URL("../end2end/package.json", import.meta.url));
const { chromium } = require("@playwright/test");

const [url, runs = "10"] = process.argv.slice(2);
const origin = new URL(url);
const cookies = (process.env.BENCH_COOKIE ?? "").split("; ").map((pair) => {
  const at = pair.indexOf("=");
  return { name: pair.slice(0, at), value: pair.slice(at + 1), domain: origin.hostname, path: "/" };
});

function markHydration() {
  new MutationObserver((_, observer) => {
    if (document.body?.dataset.hydrated === "true") {
      window.__hydratedAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-hydrated"] });
}

const errors = [];
function watchErrors(page) {
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
}

async function newContext(browser) {
  const context = await browser.newContext();
  await context.addCookies(cookies);
  await context.addInitScript(markHydration);
  context.on("page", watchErrors);
  return context;
}

async function timeLoad(page) {
  const response = await page.goto(url);
  if (response?.status() !== 200 || page.url() !== url) {
    throw new Error(`${url} answered ${response?.status()} at ${page.url()}: not signed in?`);
  }
  const hydrated = await page.waitForFunction(() => window.__hydratedAt, null, { timeout: 30_000 });
  await page.waitForTimeout(250);
  return hydrated.jsonValue();
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

// The launch arguments of end2end/playwright.config.ts.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
  ],
});
try {
  const cold = [];
  for (let run = 0; run < Number(runs); run++) {
    const context = await newContext(browser);
    cold.push(await timeLoad(await context.newPage()));
    await context.close();
  }
  const context = await newContext(browser);
  const page = await context.newPage();
  await timeLoad(page); // fills the cache; not counted
  const warm = [];
  for (let run = 0; run < Number(runs); run++) warm.push(await timeLoad(page));
  for (const error of [...new Set(errors)].slice(0, 3)) console.error(`browser console: ${error.slice(0, 300)}`);
  console.log(`cold_ms=${median(cold).toFixed(0)} warm_ms=${median(warm).toFixed(0)} errors=${errors.length}`);
} finally {
  await browser.close();
}
