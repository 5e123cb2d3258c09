// Loads one site's page in headless Chromium (Debian's, through puppeteer-core from
// tests/readers_native) as a phone would with a slow CPU, and prints what the first view cost.
// benchmarks/page.py runs it; see there. Usage:
//   node page_measure.mjs '{"chromium": PATH, "url": URL, "runs": 5, "throttle": 4,
//                           "shots": DIR|null, "clock": ISO|null, "name": "38c3"}'
// Each run is a fresh browser (no cache, no service worker yet). It reports, per run: the
// time to DOMContentLoaded and to the first sessions drawn (the app's performance mark), every
// URL the page requested until then, and the renderer processes' peak resident memory (VmHWM).
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "..", "tests", "readers_native", "package.json"));
const puppeteer = require("puppeteer-core");
const options = JSON.parse(process.argv[2]);

function rendererPeak(browserPid) {
  // The renderers are the browser's descendants started with --type=renderer; the page's is the
  // largest. Its peak resident memory (VmHWM), shared libraries and fonts included: compare
  // with an empty page's (benchmarks/page.py measures one).
  let peak = 0;
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const parent = Number(/PPid:\s+(\d+)/.exec(status)[1]);
      if (!cmd.includes("--type=renderer") || cmd.includes("--extension-process")) continue;
      if (!descends(parent, browserPid)) continue;
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)[1]) * 1024);
    } catch { /* gone */ }
  }
  return peak;
}
function descends(pid, ancestor) {
  for (let n = 0; n < 10 && pid > 1; n++) {
    if (pid === ancestor) return true;
    try { pid = Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]); } catch { return false; }
  }
  return pid === ancestor;
}

async function once(shots) {
  const browser = await puppeteer.launch({
    executablePath: options.chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--lang=en-GB"],
    env: { ...process.env, TZ: "Europe/Berlin" },
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 375, height: 740, deviceScaleFactor: 1 });
    if (options.clock) {
      await page.evaluateOnNewDocument((fixed) => {
        const Real = Date;
        const at = Real.parse(fixed);
        class Fixed extends Real {
          constructor(...args) { super(...(args.length ? args : [at])); }
          static now() { return at; }
        }
        globalThis.Date = Fixed;
      }, options.clock);
    }
    const cdp = await page.createCDPSession();
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: options.throttle });
    const urls = [];
    page.on("request", (request) => urls.push(request.url()));
    await page.goto(options.url, { waitUntil: "domcontentloaded", timeout: 600000 });
    await page.waitForFunction(
      () => performance.getEntriesByName("confcal-sessions-shown").length > 0
        || document.readyState === "complete" && !document.querySelector("#app"),
      { timeout: 600000, polling: 100 });
    const times = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      const shown = performance.getEntriesByName("confcal-sessions-shown")[0];
      return {
        dcl: nav.domContentLoadedEventEnd,
        shown: shown ? shown.startTime : null,
        sessions: document.querySelectorAll("article").length,
        height: document.documentElement.scrollHeight,
      };
    });
    const firstView = urls.slice();
    const memory = rendererPeak(browser.process().pid);
    if (shots) {
      await cdp.send("Emulation.setCPUThrottlingRate", { rate: 1 });
      await page.screenshot({ path: path.join(shots, `${options.name}-phone.png`) });
      await page.setViewport({ width: 1280, height: 800, deviceScaleFactor: 1 });
      await new Promise((r) => setTimeout(r, 300));
      await page.screenshot({ path: path.join(shots, `${options.name}-laptop.png`) });
    }
    return { ...times, urls: firstView, memory };
  } finally {
    await browser.close();
  }
}

const runs = [];
for (let n = 0; n < options.runs; n++) runs.push(await once(n === 0 ? options.shots : null));
console.log(JSON.stringify(runs));
