"""README's configuration table is the gateway's --helpfull, row for row.

  readme_settings.py --gateway BIN --readme README.md          check (exit 1 on a difference)
  readme_settings.py --gateway BIN --readme README.md --write  rewrite the table

The table stands between the two marker comments below; each row is one flag:
name, environment variable, default and help text as the binary prints them.
"""

import argparse
import difflib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "deploy"))
import gateway_flags  # noqa: E402

BEGIN = ("<!-- settings: generated from lipsync-gateway --helpfull by "
         "tests/docs/readme_settings.py --write -->")
END = "<!-- end of settings -->"


def table(flags):
    """The markdown table of every flag, sorted by name."""
    rows = ["| flag | env | default | meaning |", "| --- | --- | --- | --- |"]
    for flag in sorted(flags.values(), key=lambda f: f.name):
        meaning = flag.description.replace(f"[{flag.env}]", "").strip()
        cells = [f"`--{flag.name}`", f"`{flag.env}`", flag.default, meaning]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) +
                    " |")
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--readme", required=True)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    flags = gateway_flags.parse_helpfull(gateway_flags.helpfull_text(args.gateway))
    if not flags:
        sys.exit(f"{args.gateway} --helpfull listed no settings")
    with open(args.readme, encoding="utf-8") as f:
        readme = f.read()
    if BEGIN not in readme or END not in readme:
        sys.exit(f"{args.readme} lacks the settings markers:\n{BEGIN}\n{END}")
    head, rest = readme.split(BEGIN, 1)
    current, tail = rest.split(END, 1)
    wanted = table(flags)
    if args.write:
        with open(args.readme, "w", encoding="utf-8") as f:
            f.write(f"{head}{BEGIN}\n{wanted}\n{END}{tail}")
        print(f"wrote {len(flags)} settings into {args.readme}")
        return
    if current.strip() != wanted:
        diff = difflib.unified_diff(current.strip().splitlines(),
                                    wanted.splitlines(), "README.md",
                                    "--helpfull", lineterm="")
        sys.exit("README's settings table differs from --helpfull (run with "
                 "--write to regenerate it):\n" + "\n".join(diff))
    print(f"README lists the {len(flags)} settings of --helpfull")


if __name__ == "__main__":
    main()
