#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the pvf(1) man page from the program's own help texts, the one
source of the command-line documentation (help2man-style):

  pvf --help            NAME, SYNOPSIS, DESCRIPTION, OPTIONS, EXIT STATUS
  pvf help CMD [SUB]    one COMMANDS subsection per command and subcommand,
                        recursing into every "commands:" list

The help texts follow one layout (tools/pvf/cli_util.c, docs/cli.md): a
"usage:" paragraph, text paragraphs, list sections introduced by a line
"name:" with items "  TAG  description" (continuation lines indented more),
and an "exit status: ..." paragraph.

usage: gen-manpage.py PVF OUTPUT [--name TEXT]
"""
import argparse
import datetime
import os
import re
import subprocess
import sys

SECTION_RE = re.compile(r"^([a-z][a-z ()]*):$")
ITEM_RE = re.compile(r"^  (\S.*?)(?: {2,}(\S.*))?$")


def run(pvf, args):
    p = subprocess.run([pvf] + args, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"gen-manpage: `pvf {' '.join(args)}` exited {p.returncode}: {p.stderr}")
    return p.stdout


def esc(text):
    """Escapes running text for roff."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text[:1] in (".", "'") else text


def fmt_args(text):
    """Synopsis/tag formatting: options bold, PLACEHOLDERS italic."""
    out = []
    for tok in re.split(r"(\s+|[\[\]|,])", text):
        if not tok:
            continue
        m = re.match(r"^(-{1,2}[A-Za-z0-9][A-Za-z0-9-]*)(=.*)?$", tok)
        if m:
            out.append("\\fB" + esc(m.group(1)) + "\\fR" + esc(m.group(2) or ""))
        elif re.match(r"^[A-Z][A-Z0-9_]*(\.[A-Za-z]+)?(\.\.\.)?$", tok):
            out.append("\\fI" + esc(tok.rstrip(".")) + "\\fR" +
                       ("..." if tok.endswith("...") else ""))
        else:
            out.append(esc(tok))
    return "".join(out)


def parse(text):
    """Splits a help text into blocks: ('usage', [lines]), ('list', name,
    [(tag, desc)]), ('exit', text), ('text', [lines])."""
    paras, cur = [], []
    for line in text.rstrip("\n").split("\n"):
        if line.strip():
            cur.append(line.rstrip())
        elif cur:
            paras.append(cur)
            cur = []
    if cur:
        paras.append(cur)
    blocks = []
    for para in paras:
        first = para[0]
        m = SECTION_RE.match(first)
        if first.startswith("usage: "):
            blocks.append(("usage", [first[7:]] + [l.strip() for l in para[1:]]))
        elif m:
            items = []
            for line in para[1:]:
                im = ITEM_RE.match(line)
                if im and not line.startswith("   "):
                    items.append([im.group(1), im.group(2) or ""])
                elif items:
                    items[-1][1] = (items[-1][1] + " " + line.strip()).strip()
                else:
                    sys.exit(f"gen-manpage: item without a tag in `{first}`: {line!r}")
            blocks.append(("list", m.group(1), items))
        elif first.startswith("exit status: "):
            blocks.append(("exit", " ".join(l.strip() for l in para)[13:]))
        elif first.startswith("Run `"):
            continue  # where to find more help: the man page is that place
        else:
            blocks.append(("text", para))
    return blocks


def emit_text(out, lines):
    """Text lines; lines indented by two or more spaces are kept as they are."""
    out.append(".PP")
    pre = False
    for line in lines:
        indented = line.startswith("  ")
        if indented and not pre:
            out.append(".RS 2\n.nf")
            pre = True
        elif not indented and pre:
            out.append(".fi\n.RE")
            pre = False
        out.append(esc(line.strip() if not indented else line[2:]))
    if pre:
        out.append(".fi\n.RE")


def emit_items(out, items, tag_fmt=fmt_args):
    for tag, desc in items:
        out.append(".TP")
        out.append(tag_fmt(tag))
        out.append(esc(desc))


def emit_synopsis(out, lines):
    for i, line in enumerate(lines):
        if i:
            out.append(".br")
        words = line.split(" ")
        n = 1
        while n < len(words) and re.match(r"^[a-z][a-z0-9-]*$", words[n]):
            n += 1  # the command words: "pvf wasm validate"
        rest = " ".join(words[n:])
        cmd = "\\fB" + esc(" ".join(words[:n])) + "\\fR"
        out.append(cmd + (" " + fmt_args(rest) if rest else ""))


def emit_command(out, pvf, path, summary):
    """One subsection per command; recurses into command groups."""
    text = run(pvf, ["help"] + path)
    out.append('.SS "pvf %s"' % esc(" ".join(path)))
    out.append(esc(summary[:1].upper() + summary[1:]) + ".")
    subcommands = []
    for b in parse(text):
        if b[0] == "usage":
            out.append(".PP")
            emit_synopsis(out, b[1])
        elif b[0] == "text":
            emit_text(out, b[1])
        elif b[0] == "exit":
            out.append(".PP\n\\fBExit status:\\fR " + esc(b[1]))
        elif b[0] == "list":
            out.append(".PP\n\\fB%s:\\fR" % esc(b[1].capitalize()))
            out.append(".RS 2")
            if b[1] == "commands":
                emit_items(out, b[2], lambda t: "\\fB" + esc(t) + "\\fR")
                subcommands = b[2]
            else:
                emit_items(out, b[2])
            out.append(".RE")
    for name, desc in subcommands:
        emit_command(out, pvf, path + [name], desc)


def main():
    ap = argparse.ArgumentParser(description="Writes pvf.1 from pvf's help texts.")
    ap.add_argument("pvf")
    ap.add_argument("output")
    ap.add_argument("--name", default="check and run Polkadot parachain validation functions")
    a = ap.parse_args()

    version = run(a.pvf, ["--version"]).strip()
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = (datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch
            else datetime.datetime.now(datetime.timezone.utc))
    top = parse(run(a.pvf, ["--help"]))

    out = [
        ".\\\" Generated by scripts/gen-manpage.py from the help texts of pvf; do not edit.",
        '.TH PVF 1 "%s" "%s" "User Commands"' % (when.strftime("%Y-%m-%d"), esc(version)),
        ".SH NAME",
        "pvf \\- " + esc(a.name),
        ".SH SYNOPSIS",
    ]
    for b in top:
        if b[0] == "usage":
            emit_synopsis(out, b[1])
    out.append(".SH DESCRIPTION")
    for b in top:
        if b[0] == "text":
            emit_text(out, b[1])
    # man order: OPTIONS, COMMANDS, then the other sections (EXIT STATUS...)
    commands, later = [], []
    for b in top:
        if b[0] != "list":
            continue
        if b[1] == "commands":
            commands = b[2]
            continue
        sect = out if b[1] == "options" else later
        title = "EXIT STATUS" if b[1].startswith("exit status") else b[1].upper()
        sect.append('.SH "%s"' % title)
        if title == "EXIT STATUS":
            sect.append("Every command uses the same exit statuses:")
            emit_items(sect, b[2], lambda t: "\\fB" + esc(t) + "\\fR")
        else:
            emit_items(sect, b[2])
    if not commands:
        sys.exit("gen-manpage: `pvf --help` lists no commands")
    out.append(".SH COMMANDS")
    emit_items(out, commands, lambda t: "\\fB" + esc(t) + "\\fR")
    for name, desc in commands:
        emit_command(out, a.pvf, [name], desc)
    out += later
    out += [
        ".SH SEE ALSO",
        "The command-line reference \\fIdocs/cli.md\\fR, the validation host",
        "\\fIdocs/host.md\\fR and the sandbox \\fIdocs/security.md\\fR in the pvf",
        "source tree; the library API in \\fI<pvf/pvf.h>\\fR (pkg-config \\fBpvf\\fR).",
    ]
    with open(a.output, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
