"""``fsp-sync weather …``: judge reports from the command line, fetch current weather, demo."""

from __future__ import annotations

import argparse
import json
import sys

from sync.weather.evaluation import evaluate_case


def add_commands(subparsers) -> None:
    weather = subparsers.add_parser("weather", help="judge and fetch aviation weather")
    commands = weather.add_subparsers(dest="weather_command", required=True, metavar="COMMAND")

    evaluate = commands.add_parser(
        "evaluate",
        help="judge a METAR or TAF for a training level (JSON out)",
        description="Judge one report (--metar/--taf) or many (--input cases.jsonl).",
    )
    source = evaluate.add_mutually_exclusive_group(required=True)
    source.add_argument("--metar", help="raw METAR/SPECI text")
    source.add_argument("--taf", help="raw TAF text")
    source.add_argument("--input", metavar="FILE",
                        help="JSON lines, one case per line ('-' for standard input)")
    evaluate.add_argument("--level", help="EARLY_STUDENT, PRIVATE_PILOT or INSTRUMENT_RATED")
    evaluate.add_argument("--at", help="lesson start, e.g. 2026-11-25T22:00Z (dates the report)")
    evaluate.add_argument("--until", help="lesson end (default: one hour after --at)")
    evaluate.add_argument("--aircraft-crosswind-kt", type=int, metavar="N",
                          help="the aircraft's maximum demonstrated crosswind")
    evaluate.add_argument("--station", metavar="ICAO", help="station (default: from the report)")
    evaluate.add_argument("--night-trained", choices=("yes", "no"),
                          help="whether the student may fly at night (default by level)")
    evaluate.set_defaults(handler=_evaluate)

    current = commands.add_parser("current", help="fetch and show decoded weather now")
    current.add_argument("stations", nargs="+", metavar="ICAO")
    current.add_argument("--json", action="store_true", help="print JSON instead of text")
    current.set_defaults(handler=_current)

    demo = commands.add_parser("demo", help="judge the demo school's lessons from recorded weather")
    demo.add_argument("--json", action="store_true", help="print JSON instead of a table")
    demo.set_defaults(handler=_demo)


def _evaluate(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.input is not None:
        return _evaluate_many(args, parser)
    if not args.level:
        parser.error("--level is required with --metar or --taf "
                     "(EARLY_STUDENT, PRIVATE_PILOT or INSTRUMENT_RATED)")
    case = {"id": None, "level": args.level}
    case["metar" if args.metar is not None else "taf"] = args.metar if args.metar is not None else args.taf
    for key in ("at", "until", "aircraft_crosswind_kt", "station"):
        if getattr(args, key) is not None:
            case[key] = getattr(args, key)
    if args.night_trained is not None:
        case["night_trained"] = args.night_trained == "yes"
    result = evaluate_case(case)
    if "error" in result:
        parser.error(result["error"])
    print(json.dumps(result, ensure_ascii=False))
    return 0


def _evaluate_many(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.metar or args.taf or args.level or args.at or args.until:
        parser.error("--input takes every setting from its lines; leave out --level/--at/--until")
    try:
        stream = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
    except OSError as exc:
        parser.error(f"cannot read --input {args.input}: {exc.strerror}")
    with stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                case = json.loads(line)
            except json.JSONDecodeError as exc:
                result = {"id": None, "error": f"line {number} is not JSON: {exc.msg}"}
            else:
                result = evaluate_case(case)
                if "error" in result:
                    result["error"] = f"line {number}: {result['error']}"
            print(json.dumps(result, ensure_ascii=False))
    return 0


def _current(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from sync.weather.current import current_weather, format_current  # imports httpx lazily

    stations = [code.strip().upper() for code in args.stations]
    bad = [code for code in stations if not (3 <= len(code) <= 4 and code.isalnum())]
    if bad:
        parser.error(f"not a station identifier: {', '.join(bad)} (use ICAO codes such as KAUS)")
    reports = current_weather(stations)  # a failing source becomes each station's problem
    if args.json:
        print(json.dumps(reports, ensure_ascii=False, indent=2))
    else:
        print(format_current(reports))
    if all(not report["metar"] and not report["taf"] and report["problems"] for report in reports):
        print(f"fsp-sync: could not fetch weather: {reports[0]['problems'][0]}", file=sys.stderr)
        return 1
    return 0


def _demo(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from sync.weather.demo import format_demo, run_demo

    results = run_demo()
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        print(format_demo(results))
    return 0
