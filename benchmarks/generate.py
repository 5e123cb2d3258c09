"""A synthetic conference programme of N sessions, the same for the same seed.

The text is what real programmes hold and what iCalendar must escape or fold: non-ASCII names,
emoji, commas, semicolons, backslashes, line breaks and TABs. The conference runs over several
days in ~20 rooms, with late-night sessions after midnight (``day_change`` keeps them on the day
before), a few remote talks printed in another zone and an all-day event per day.

    python benchmarks/generate.py 10000 -o /tmp/events.json [--seed 6] [--zone America/New_York]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from pathlib import Path
from typing import Any

ZONES = {
    # Programme dates clear of any clock change, so every wall-clock time exists once.
    "Europe/Berlin": dt.date(2025, 9, 8),
    "America/New_York": dt.date(2024, 11, 17),
}
_OTHER_ZONE = {"Europe/Berlin": "America/New_York", "America/New_York": "Europe/Berlin"}

_WORDS = (
    "Scaling", "Parsl", "workflows", "exascale", "GPUs", "Zürich", "Łódź", "São Paulo", "Kraków",
    "naïve", "café", "résumé", "façade", "Straße", "東京", "Δ-encoding", "π", "Ωmega", "jalapeño",
    "MPI", "Rust", "Python", "HPC", "I/O", "checkpointing", "schedulers", "energy", "quantum",
    "tensors", "🚀", "🧪", "📊", "🔥", "containers", "provenance", "reproducibility", "Kubernetes",
    "FPGA", "compilers", "sparse", "solvers", "climate", "genomics", "LLMs", "fault-tolerance",
)  # fmt: skip
_JOINERS = (" ", " ", " ", ", ", "; ", ": ", " & ", " / ", " \N{EN DASH} ", " \\ ")
_FIRST = (
    "Ana", "Björn", "Chloé", "Dmitri", "Eléonore", "Fatima", "Grzegorz", "Hiroshi", "Iñaki",
    "Jürgen", "Kwame", "Lúcia", "Mónica", "Nguyễn", "Øystein", "Priya", "Quentin", "Renée", "Søren",
    "Tomás", "Ümit", "Vera", "Wen", "Xavier", "Yasmin", "Zoë",
)  # fmt: skip
_LAST = (
    "Müller", "O'Brien", "García", "Nowak", "Dvořák", "Smith", "Chen", "Nakamura", "Ørsted",
    "Łukasiewicz", "Kowalski", "Haddad", "Silva", "Johansson", "Papadopoulos", "Novák", "Ibáñez",
)  # fmt: skip
_TYPES = ("Talk", "Workshop", "Tutorial", "Poster", "Panel", "BoF", "Keynote", "Lightning talk")
_ROOMS = tuple(
    [f"Room {n}" for n in ("A1", "A2", "B302", "B303", "C1.04", "C1.05")]
    + [
        f"Hall {h}"
        for h in ("\N{GREEK CAPITAL LETTER ALPHA}", "\N{GREEK CAPITAL LETTER BETA}", "Γ")
    ]
    + ["Aula Magna", "Sala Vermelha; 2nd floor", "Großer Saal", "Salle Jean-Jacques Rousseau"]
    + ["Lab 1, east wing", "Lab 2, east wing", "Atrium \\ foyer", "Café Zürich", "Room 101"]
    + ["Auditorium 🎭", "Online"]
)  # 20 rooms
_STATUSES = ("confirmed", "confirmed", "confirmed", "tentative", "cancelled")


def _phrase(rng: random.Random, words: int) -> str:
    parts = [rng.choice(_WORDS)]
    for _ in range(words - 1):
        parts.append(rng.choice(_JOINERS))
        parts.append(rng.choice(_WORDS))
    return "".join(parts)


def _description(rng: random.Random) -> str:
    phrases = [_phrase(rng, rng.randint(6, 14)) for _ in range(rng.randint(2, 6))]
    sentences = [f"{p[0].upper()}{p[1:]}." for p in phrases]
    text = " ".join(sentences)
    if rng.random() < 0.5:
        text += "\n\nOutline:\n\t1. motivation\n\t2. results; 3. Q&A"
    if rng.random() < 0.2:
        text += "\nCode: C:\\hpc\\examples — see https://example.org/a,b;c"
    return text


def _speaker(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def generate(sessions: int, *, seed: int = 6, zone: str = "America/New_York") -> dict[str, Any]:
    """The events.json document of a programme with ``sessions`` sessions."""
    rng = random.Random(seed)
    first_day = ZONES[zone]
    days = max(3, min(7, sessions // 1500 + 3))
    all_day = [
        {
            "id": f"registration-day-{n + 1}",
            "title": f"Registration & badge pick-up, day {n + 1} 🎫",
            "start": (first_day + dt.timedelta(days=n)).isoformat(),
            "end": (first_day + dt.timedelta(days=n)).isoformat(),
            "location": "Atrium \\ foyer",
        }
        for n in range(min(days, sessions))
    ]
    events: list[dict[str, Any]] = []
    for index in range(sessions - len(all_day)):
        day = first_day + dt.timedelta(days=index % days)
        # 08:00 to 01:45 the next night, in 15-minute slots: some sessions run after midnight.
        minutes = 8 * 60 + rng.randrange(72) * 15
        start = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes)
        length = dt.timedelta(minutes=rng.choice((15, 20, 30, 45, 60, 90, 120)))
        event: dict[str, Any] = {
            "id": f"s{index:06d}-{rng.choice(_TYPES).split()[0].lower()}",
            "title": _phrase(rng, rng.randint(3, 10)),
            "start": start.isoformat(timespec="minutes"),
            "type": rng.choice(_TYPES),
            "location": rng.choice(_ROOMS),
            "description": _description(rng),
            "speakers": [_speaker(rng) for _ in range(rng.randint(0, 4))],
        }
        if rng.random() < 0.5:
            event["end"] = (start + length).isoformat(timespec="minutes")
        else:
            event["duration"] = f"PT{int(length.total_seconds()) // 60}M"
        if rng.random() < 0.3:
            event["url"] = (
                f"https://synthetic-conf.example.org/programme/{event['id']}?lang=de&track=1"
            )
        if rng.random() < 0.2:
            event["status"] = rng.choice(_STATUSES)
        if rng.random() < 0.02:
            # A remote talk printed in the speaker's zone, at a time that is daytime there.
            other = _OTHER_ZONE[zone]
            event["timezone"] = other
            event["start"] = (
                dt.datetime.combine(day, dt.time(10)) + dt.timedelta(minutes=rng.randrange(24) * 15)
            ).isoformat(timespec="minutes")
            event.pop("end", None)
            event["duration"] = "PT30M"
        events.append(event)
    return {
        "calendar": {
            "name": f"Synthetic Conference {first_day.year} — {sessions} sessions 🚀",
            "timezone": zone,
            "description": "A generated programme; commas, semicolons; back\\slashes\nand breaks.",
            "url": "https://synthetic-conf.example.org/programme",
            "uid_domain": "synthetic-conf.example.org",
            "day_change": "04:00",
            "updated": "2025-01-02T03:04:05Z",
        },
        "events": all_day + events,
    }


def write(path: Path, sessions: int, *, seed: int = 6, zone: str = "America/New_York") -> Path:
    """Write the programme to ``path`` (UTF-8, non-ASCII kept as is) and return the path."""
    document = generate(sessions, seed=seed, zone=zone)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sessions", type=int)
    parser.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--zone", choices=sorted(ZONES), default="America/New_York")
    args = parser.parse_args(argv)
    if args.output is None:
        json.dump(
            generate(args.sessions, seed=args.seed, zone=args.zone),
            sys.stdout,
            ensure_ascii=False,
            indent=1,
        )
        sys.stdout.write("\n")
    else:
        write(args.output, args.sessions, seed=args.seed, zone=args.zone)
    return 0


if __name__ == "__main__":
    sys.exit(main())
