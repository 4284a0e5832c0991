"""What the lipsync-gateway binary declares about its settings, read from its
`--helpfull` text: each flag, the environment variable in brackets at the end
of its description (`[LIPSYNC_LISTEN]`), and its default. Also parses the
absl duration syntax the settings use ("5s", "2m", "1h30m", "0").
"""

import re
import subprocess

ENV_MARKER = re.compile(r"\[([A-Z][A-Z0-9_]*)\]")
# After whitespace is collapsed: --name (description [ENV]); default: value;
FLAG_ENTRY = re.compile(r"^--(\w+) \((.*)\); default: (.*?);$")
DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|ms|s|m|h)")
DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0,
                  "h": 3600.0}


class Flag:
    def __init__(self, name, env, default, description):
        self.name = name
        self.env = env
        self.default = default
        self.description = description

    def __repr__(self):
        return f"--{self.name} [{self.env}] default {self.default!r}"


def helpfull_text(binary):
    """The binary's --helpfull output (absl exits 1 after printing help)."""
    result = subprocess.run([binary, "--helpfull"], capture_output=True,
                            text=True, timeout=30, check=False)
    text = result.stdout + result.stderr
    if "--" not in text or "default:" not in text:
        raise RuntimeError(f"{binary} --helpfull printed no flag list "
                           f"(exit {result.returncode}):\n{text}")
    return text


def parse_helpfull(text):
    """{ENV_NAME: Flag} for every flag whose description names a variable."""
    flags = {}
    # absl prints each flag at a 4-space indent, its continuation lines at 6,
    # and a blank line after the last flag of a file.
    entries = re.split(r"\n(?= {4}--\w)", text)
    for entry in entries:
        flat = " ".join(entry.split("\n\n")[0].split())
        match = FLAG_ENTRY.match(flat)
        if not match:
            continue
        name, description, default = match.groups()
        markers = ENV_MARKER.findall(description)
        if not markers:
            continue
        if default.startswith('"') and default.endswith('"'):
            default = default[1:-1]
        env = markers[-1]
        flags[env] = Flag(name, env, default, description)
    return flags


def parse_duration(text):
    """Seconds in an absl duration string; ValueError when it is not one."""
    s = str(text).strip()
    if s in ("0", "inf", "-inf"):
        return {"0": 0.0, "inf": float("inf"), "-inf": float("-inf")}[s]
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    pos, total = 0, 0.0
    while pos < len(s):
        match = DURATION_PART.match(s, pos)
        if not match:
            raise ValueError(f"not an absl duration: {text!r}")
        total += float(match.group(1)) * DURATION_UNITS[match.group(2)]
        pos = match.end()
    if pos == 0:
        raise ValueError(f"not an absl duration: {text!r}")
    return sign * total


def same_value(a, b):
    """Whether two settings values mean the same (durations compared)."""
    if str(a) == str(b):
        return True
    try:
        return parse_duration(a) == parse_duration(b)
    except ValueError:
        return False


def listen_port(address):
    """The port of "host:port" / "[v6]:port"; None when there is none."""
    match = re.search(r":(\d+)$", str(address))
    return int(match.group(1)) if match else None
