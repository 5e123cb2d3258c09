// Reads iCalendar files the way Thunderbird does (ical.js), using the VTIMEZONEs in each file.
// For each file: a line "file: NAME", then one line per VEVENT: UID, DTSTART and DTEND in UTC
// (dates for all-day events), tab-separated.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const show = (time) => {
  if (time.isDate) return time.toString();
  return time.convertToZone(ICAL.Timezone.utcTimezone).toString().replace(/Z?$/, "Z");
};
for (const path of process.argv.slice(2)) {
  console.log(`file: ${path}`);
  const root = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  ICAL.TimezoneService.reset();
  for (const vtimezone of root.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(vtimezone));
  }
  for (const vevent of root.getAllSubcomponents("vevent")) {
    const event = new ICAL.Event(vevent);
    console.log([event.uid, show(event.startDate), show(event.endDate)].join("\t"));
  }
}
