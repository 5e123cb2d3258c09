/* Reads iCalendar files the way Evolution does (libical), using the VTIMEZONEs in each file.
 * For each file: a line "file: NAME", one line per problem found by libical's restriction
 * checker ("problem: ..."), then one line per VEVENT: UID, DTSTART and DTEND in UTC (or dates
 * for all-day events), tab-separated. */
#include <libical/ical.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_all(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(n + 1);
    if (fread(buf, 1, n, f) != (size_t)n) { perror(path); exit(2); }
    buf[n] = 0;
    fclose(f);
    return buf;
}

static void print_time(icalcomponent *cal, icalproperty *prop) {
    struct icaltimetype t = icalproperty_get_datetime_with_component(prop, cal);
    if (t.is_date) {
        printf("%04d-%02d-%02d", t.year, t.month, t.day);
        return;
    }
    struct icaltimetype u = icaltime_convert_to_zone(t, icaltimezone_get_utc_timezone());
    printf("%04d-%02d-%02dT%02d:%02d:%02dZ", u.year, u.month, u.day, u.hour, u.minute, u.second);
}

static void report_errors(icalcomponent *c) {
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
        printf("problem: %s: %s\n", icalcomponent_kind_to_string(icalcomponent_isa(c)),
               icalproperty_get_xlicerror(p));
    }
    for (icalcomponent *s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s;
         s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
        report_errors(s);
    }
}

static int read_file(const char *path) {
    printf("file: %s\n", path);
    char *text = read_all(path);
    icalcomponent *cal = icalparser_parse_string(text);
    free(text);
    if (!cal) { printf("problem: not parsed\n"); return 1; }
    icalrestriction_check(cal);
    report_errors(cal);
    for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
         ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
        printf("%s\t", icalcomponent_get_uid(ev));
        print_time(cal, icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY));
        printf("\t");
        print_time(cal, icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY));
        printf("\n");
    }
    icalcomponent_free(cal);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: %s FILE.ics...\n", argv[0]); return 2; }
    int failed = 0;
    for (int i = 1; i < argc; i++) failed |= read_file(argv[i]);
    return failed;
}
