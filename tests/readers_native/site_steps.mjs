// Drives the attendees' page in headless Chromium (puppeteer-core, Debian's chromium) through
// scripted steps, for tests/test_site_hostile.py. One browser, scenarios one after the other.
// Usage: node site_steps.mjs '{"chromium": PATH, "downloads": DIR, "scenarios": [
//   {"url": URL, "width": 375, "clock": ISO|null, "storage": "disabled"|"full"|null,
//    "javascript": true, "steps": [{"eval": "expression"} | {"click": SELECTOR} |
//    {"wait": "expression"} | {"goto": URL} | {"back": true} | {"axe": true} |
//    {"download": SELECTOR} | {"print": true}]}]}'
// Prints one JSON object: {"scenarios": [[result of each eval/axe/download step]], "requests"}.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import puppeteer from "puppeteer-core";

const options = JSON.parse(process.argv[2]);
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const result = { requests: [], scenarios: [] };

const browser = await puppeteer.launch({
  executablePath: options.chromium,
  headless: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--lang=en-GB",
  ],
  env: { ...process.env, TZ: options.zone || "Europe/Brussels" },
});
async function watch(target) {
  const type = target.type();
  if (type !== "page" && type !== "service_worker") return;
  const session = await target.createCDPSession().catch(() => null);
  if (!session) return;
  session.on("Network.requestWillBeSent", (event) => result.requests.push(event.request.url));
  await session.send("Network.enable").catch(() => {});
  await session.send("Runtime.runIfWaitingForDebugger").catch(() => {});
}
browser.on("targetcreated", watch);

for (const scenario of options.scenarios) {
  const seen = [];
  const context = scenario.download ? browser.defaultBrowserContext() : await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: scenario.width || 375, height: 740 });
  if (scenario.javascript === false) await page.setJavaScriptEnabled(false);
  if (scenario.clock) {
    await page.evaluateOnNewDocument((fixed) => {
      const Real = Date;
      const at = Real.parse(fixed);
      class Fixed extends Real {
        constructor(...args) { super(...(args.length ? args : [at])); }
        static now() { return at; }
      }
      globalThis.Date = Fixed;
    }, scenario.clock);
  }
  if (scenario.storage === "disabled") {
    await page.evaluateOnNewDocument(() => {
      Object.defineProperty(window, "localStorage", {
        get() { throw new DOMException("The operation is insecure.", "SecurityError"); },
      });
    });
  } else if (scenario.storage === "full") {
    await page.evaluateOnNewDocument(() => {
      Storage.prototype.setItem = function () {
        throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      };
    });
  }
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error.message || error)));
  await page.goto(scenario.url, { waitUntil: "load" });
  for (const step of scenario.steps) {
    try {
      if (step.eval !== undefined) seen.push(await page.evaluate(`(async () => (${step.eval}))()`));
      else if (step.wait !== undefined) await page.waitForFunction(step.wait, { timeout: 15000 });
      else if (step.click !== undefined) await page.click(step.click);
      else if (step.goto !== undefined) await page.goto(step.goto, { waitUntil: "load" });
      else if (step.back) await page.goBack({ waitUntil: "load" });
      else if (step.print) await page.emulateMediaType("print");
      else if (step.axe) {
        await page.evaluate(axeSource);
        seen.push(await page.evaluate(async () => {
          const found = await window.axe.run(document, { resultTypes: ["violations"] });
          return found.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
        }));
      } else if (step.download !== undefined) {
        const cdp = await page.createCDPSession();
        await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: options.downloads });
        await page.click(step.download);
        const deadline = Date.now() + 15000;
        while (Date.now() < deadline && !(existsSync(options.downloads) &&
          readdirSync(options.downloads).some((f) => f.endsWith(".ics")))) {
          await new Promise((r) => setTimeout(r, 100));
        }
        seen.push(existsSync(options.downloads) ? readdirSync(options.downloads) : []);
      }
    } catch (error) {
      seen.push({ error: String(error.message || error) });
    }
  }
  seen.push({ pageerrors: errors });
  result.scenarios.push(seen);
  await page.close();
  if (!scenario.download) await context.close();
}

await browser.close();
console.log(JSON.stringify(result));
