// Drives the attendees' page in headless Chromium (puppeteer-core, Debian's chromium) for
// tests/test_site_browser.py, which serves the sites and checks what this reports.
// Usage: node page_check.mjs '{"chromium": ..., "site": URL, "real": URL|null, "downloads": DIR,
//   "now": ISO instant for the fixed clock}'
// Prints one JSON object: what each scenario saw. Every request any page or worker made is
// reported, so the test can check that nothing left the site.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { createRequire } from "node:module";
import puppeteer from "puppeteer-core";

const options = JSON.parse(process.argv[2]);
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const result = { requests: [] };
const began = Date.now();
const mark = (what) => process.stderr.write(`${((Date.now() - began) / 1000).toFixed(1)}s ${what}\n`);

const browser = await puppeteer.launch({
  executablePath: options.chromium,
  headless: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--lang=en-GB",
  ],
  env: { ...process.env, TZ: "Asia/Tokyo" },
});
// Every request of every target (pages and service workers), wherever it was going.
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

async function open(url, { width = 375, height = 740, clock = null } = {}) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width, height });
  if (clock) {
    // The visitor's clock, fixed: Date.now() and new Date() say `clock`.
    await page.evaluateOnNewDocument((fixed) => {
      const Real = Date;
      const at = Real.parse(fixed);
      class Fixed extends Real {
        constructor(...args) { super(...(args.length ? args : [at])); }
        static now() { return at; }
      }
      globalThis.Date = Fixed;
    }, clock);
  }
  await page.goto(url, { waitUntil: "load" });
  return { context, page };
}

const titles = (page, scope = "#results") =>
  page.$$eval(`${scope} article h3 .title`, (nodes) => nodes.map((n) => n.textContent));
const settle = (page) => page.waitForFunction(
  () => document.getElementById("count").textContent !== "" && !document.getElementById("app").hidden);
async function typeSearch(page, text) {
  const before = await page.$eval("#count", (n) => n.textContent);
  await page.type("#q", text);
  await page.waitForFunction((b) => document.getElementById("count").textContent !== b
    && !document.getElementById("count").textContent.includes("loading"), {}, before);
}

async function axe(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const found = await window.axe.run(document, { resultTypes: ["violations"] });
    return found.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
}

const fits = (page) => page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);

mark("launched");
// --- The small site: search, filters, URL state, now and next, axe, 320 px -------------------
{
  const { context, page } = await open(options.site + "?day=all", { width: 320 });
  await settle(page);
  result.first = { titles: await titles(page), count: await page.$eval("#count", (n) => n.textContent) };
  result.first.yours = await page.$$eval("#results .yours", (n) => n.map((x) => x.textContent));
  result.first.title = await page.title();
  result.first.images = await page.$$eval("#programme img, #programme script", (n) => n.length);
  result.first.changes = await page.$$eval("#results .change", (n) => n.map((x) => x.textContent));
  result.fits_index = await fits(page);
  // Unfold an abstract and "Add to calendar": their text and links are loaded then.
  await page.click("#results details.abstract summary");
  await page.waitForFunction(() => {
    const p = document.querySelector("#results details.abstract p");
    return p && p.textContent !== "Loading\u2026";
  });
  result.abstract = await page.$eval("#results details.abstract p", (n) => n.textContent);
  await page.click("#results details.add summary");
  await page.waitForFunction(() => document.querySelector("#results details.add .google[href]"));
  result.add = await page.$$eval("#results article", (cards) => cards.map((card) => ({
    title: card.querySelector("h3 .title").textContent,
    links: [...card.querySelectorAll("details.add a")].map((a) => [a.getAttribute("href"), a.textContent]),
  })));
  result.axe_index = await axe(page);

  mark("first view, abstract, add links, axe");
  await typeSearch(page, "lovelace");  // a speaker
  result.search_speaker = { titles: await titles(page), url: page.url() };
  await page.click("#q", { clickCount: 3 });
  await page.keyboard.press("Backspace");
  await page.waitForFunction(() => !new URLSearchParams(location.search).get("q"));
  await typeSearch(page, "PARSL ecosystems");  // words anywhere, any case
  result.search_words = await titles(page);
  await page.click("#q", { clickCount: 3 });
  await page.keyboard.press("Backspace");
  await page.waitForFunction(() => !new URLSearchParams(location.search).get("q"));
  await typeSearch(page, "second paragraph");  // only in an abstract
  result.search_abstract = await titles(page);
  await page.click("#q", { clickCount: 3 });
  await page.keyboard.press("Backspace");
  await page.waitForFunction(() => !new URLSearchParams(location.search).get("q"));

  mark("searches");
  await page.select("#track", "Workflows");
  await page.waitForFunction(() => location.search.includes("track="));
  result.track = await titles(page);
  await page.select("#room", "B302");
  await page.waitForFunction(() => location.search.includes("room="));
  result.track_room = { titles: await titles(page), url: page.url() };
  await page.goBack();
  await page.waitForFunction(() => !location.search.includes("room="));
  result.back = {
    titles: await titles(page), url: page.url(),
    room: await page.$eval("#room", (n) => n.value), track: await page.$eval("#track", (n) => n.value),
  };
  await page.goBack();
  await page.waitForFunction(() => !location.search.includes("track="));
  result.back_twice = { titles: await titles(page), url: page.url() };
  // A shared view: the address alone gives it.
  await page.goto(options.site + "?q=workshop&day=2024-11-18", { waitUntil: "load" });
  await settle(page);
  await page.waitForFunction(() => !document.getElementById("count").textContent.includes("loading"));
  result.shared = { titles: await titles(page), q: await page.$eval("#q", (n) => n.value),
    current: await page.$$eval("#days [aria-current]", (n) => n.map((x) => x.textContent)) };
  // A list page: plain, every session there without the app.
  await page.goto(options.site + "days/2024-11-19.html", { waitUntil: "load" });
  result.list = { titles: await page.$$eval("article h3 .title", (n) => n.map((x) => x.textContent)),
    yours: await page.$$eval(".yours", (n) => n.map((x) => x.textContent)) };
  result.fits_list = await fits(page);
  result.axe_list = await axe(page);
  await context.close();
  mark("filters, back, list");
}
{
  const { context, page } = await open(options.site, { clock: options.now });
  await settle(page);
  await page.waitForFunction(() => !document.getElementById("nownext").hidden);
  result.nownext = await page.$$eval("#nownext-list > *", (nodes) => nodes.map((n) =>
    n.tagName === "H3" ? "# " + n.textContent : n.querySelector("h3 .title")?.textContent ?? n.textContent));
  result.nownext_day = await page.$$eval("#days [aria-current]", (n) => n.map((x) => x.textContent));
  result.axe_nownext = await axe(page);
  await context.close();
  mark("now and next");
}

// --- 38C3: star three sessions, download "My agenda"; then offline -----------------------------
if (options.real) {
  const page = await browser.newPage();  // the default context: downloads are allowed there
  await page.setViewport({ width: 375, height: 740 });
  await page.goto(options.real + "?day=all", { waitUntil: "load" });
  await settle(page);
  const buttons = await page.$$("#results .star");
  for (const n of [0, 2, 5]) await buttons[n].click();
  result.starred = await page.$$eval("#results article", (cards) => cards
    .filter((c) => c.querySelector(".star").getAttribute("aria-pressed") === "true")
    .map((c) => c.querySelector("h3 .title").textContent));
  await page.click('#days a[data-view="agenda"]');
  await page.waitForFunction(() => location.search.includes("view=agenda"));
  result.agenda = { titles: await titles(page), count: await page.$eval("#count", (n) => n.textContent) };
  const cdp = await page.createCDPSession();
  await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: options.downloads });
  await page.click("#download-agenda");
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline && !(existsSync(options.downloads) &&
    readdirSync(options.downloads).some((f) => f.endsWith(".ics")))) {
    await new Promise((r) => setTimeout(r, 100));
  }
  result.downloads = existsSync(options.downloads) ? readdirSync(options.downloads) : [];
  result.axe_agenda = await axe(page);
  mark("stars, agenda, download");

  // Offline: the worker has kept the site; the server stops answering; the page reloads.
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => !document.getElementById("saved").hidden, { timeout: 60000 });
  mark("saved for offline");
  await fetch(options.real + "__offline");
  await page.goto(options.real + "?day=2024-12-27", { waitUntil: "load" });
  await settle(page);
  await page.waitForFunction(() => !document.getElementById("note").hidden);
  result.offline = {
    count: await page.$eval("#count", (n) => n.textContent),
    titles: (await titles(page)).length,
    note: await page.$eval("#note", (n) => n.textContent),
    agenda_stars: await page.$eval('#days a[data-view="agenda"]', (n) => n.textContent),
  };
  // A day's list and a session's calendar, read from the device.
  const list = await page.goto(options.real + "days/2024-12-27.html", { waitUntil: "load" });
  result.offline.list_status = list.status();
  result.offline.list_sessions = (await page.$$("article")).length;
  result.offline.ics = await page.evaluate(async () => {
    const data = await (await fetch("../data/sessions.json")).json();
    const r = await fetch("../sessions/" + encodeURIComponent(data.sessions[7][0]) + ".ics");
    return [r.status, (await r.text()).slice(0, 15)];
  });
  mark("offline");
  await page.close();
}

await browser.close();
console.log(JSON.stringify(result));
