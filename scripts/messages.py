#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Check that every message the experiment parser can produce has a unit test.

Reads the message formats from the sources (SOURCES below):
  - the format of each diag_error() call;
  - through a "friend", a function that hands one of its own parameters to
    diag_error() (model_unknown_name, netem_require): one message per call
    of the friend, with the string literals it passes filled in;
  - through a relay, diag_error(..., "%s", msg) where msg was filled by a
    call such as opt_parse(..., &msg): the texts that function (and the
    helpers of its own file it calls) builds with xasprintf() or xstrdup().
Each format becomes a pattern (a printf conversion matches any text of its
kind) that must match a whole diagnostic line `NAME:LINE: [section] key:
message` inside a string literal of tests/unit/*.c (adjacent literals
concatenated). A call whose format cannot be read is a finding too, so a
message is never skipped silently.

Usage: scripts/messages.py [--root DIR] [--list]
  --root DIR  the tree to read (default: the one this script is in)
  --list      print every message with the test line that asserts it
Exit 0 when every message has a test, 1 with one line per message without
one, 2 when the sources yield no message at all."""
import argparse, glob, os, re, sys

SOURCES = ["src/model/*.c", "src/model/*.h", "faults/*.c", "faults/*.h", "src/probes/*.c",
           "src/net/netfault.c", "src/base/options.c"]
TESTS = "tests/unit/*.c"
DIAG = "diag_error"
DIAG_FMT = 4            # index of the format among diag_error()'s arguments
MAKERS = ("xasprintf", "xstrdup")   # how a relayed message is built
# Words that may stand right before a call (any other word there makes a declaration).
STATEMENT_WORDS = {"return", "else", "do", "case", "sizeof", "goto"}

TOKEN = re.compile(r'''
    (?P<ws>\s+) | (?P<comment>//[^\n]*|/\*.*?\*/) |
    (?P<str>"(?:[^"\\\n]|\\.)*") | (?P<chr>'(?:[^'\\\n]|\\.)*') |
    (?P<id>[A-Za-z_]\w*) | (?P<num>\.?\d[\w.]*) | (?P<punct>->|&&|\|\||[^\s])
''', re.S | re.X)
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "a": "\a", "b": "\b", "f": "\f",
           "v": "\v", "\\": "\\", '"': '"', "'": "'", "?": "?"}
CONV = re.compile(r"%[-+ #0]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(hh|h|ll|l|j|z|t|L)?([diouxXeEfgGcsp%])")
WILD = {"d": r"-?[0-9]+", "i": r"-?[0-9]+", "u": r"[0-9]+", "o": r"[0-7]+", "x": r"[0-9a-f]+",
        "X": r"[0-9A-F]+", "c": r".", "s": r".*", "p": r".*"}
# A diagnostic line: NAME:[LINE:] [[section]] [key]: message
LINE = r"[^\s:]+:(?:[0-9]+:)? "
SECTION_KEY = r"(?:\[[^\]]*\](?: \S+)?: |\S+: )?"


class Tok:
    def __init__(self, kind, text, line):
        self.kind, self.text, self.line = kind, text, line


def unescape(lit):
    """The text of a C string literal (without its quotes)."""
    out, i = [], 0
    while i < len(lit):
        c = lit[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        n = lit[i + 1]
        if n == "x":
            m = re.match(r"[0-9a-fA-F]+", lit[i + 2:])
            out.append(chr(int(m.group(0), 16)))
            i += 2 + len(m.group(0))
        elif n in "01234567":
            m = re.match(r"[0-7]{1,3}", lit[i + 1:])
            out.append(chr(int(m.group(0), 8)))
            i += 1 + len(m.group(0))
        else:
            out.append(ESCAPES.get(n, n))
            i += 2
    return "".join(out)


def tokens(path):
    """C tokens of a file; adjacent string literals come out as one token
    whose text is the decoded string."""
    src = open(path, encoding="utf-8", errors="replace").read()
    spliced = src.replace("\\\n", "  ")     # keeps offsets, so line numbers stay right
    out, line = [], 1
    for m in TOKEN.finditer(spliced):
        kind, text = m.lastgroup, m.group(0)
        start_line = line
        line += src.count("\n", m.start(), m.end())
        if kind in ("ws", "comment"):
            continue
        if kind == "str":
            if out and out[-1].kind == "str":
                out[-1].text += unescape(text[1:-1])
                continue
            text = unescape(text[1:-1])
        out.append(Tok(kind, text, start_line))
    return out


def close_of(toks, i):
    """Index of the bracket closing toks[i]."""
    pairs = {"(": ")", "{": "}", "[": "]"}
    depth, want, open_ = 0, pairs[toks[i].text], toks[i].text
    for j in range(i, len(toks)):
        if toks[j].kind != "punct":
            continue
        if toks[j].text == open_:
            depth += 1
        elif toks[j].text == want:
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def split_args(toks, i):
    """The arguments (token lists) of the call whose "(" is toks[i]."""
    end, args, cur, j = close_of(toks, i), [], [], i + 1
    while j < end:
        t = toks[j]
        if t.kind == "punct" and t.text in "([{":
            k = close_of(toks, j)
            cur.extend(toks[j:k + 1])
            j = k + 1
            continue
        if t.kind == "punct" and t.text == ",":
            args.append(cur)
            cur = []
        else:
            cur.append(t)
        j += 1
    if cur:
        args.append(cur)
    return args


class Func:
    def __init__(self, name, path, params, body):
        self.name, self.path, self.params, self.body = name, path, params, body


def functions(path, toks):
    """Function definitions at file scope: name, parameter names, body tokens."""
    out, depth, i = [], 0, 0
    while i < len(toks):
        t = toks[i]
        if t.kind == "punct" and t.text == "{" and depth == 0:
            j = i - 1
            if toks[j].text == ")":
                # Walk back to the "(" of the parameter list.
                d, k = 0, j
                while k >= 0:
                    if toks[k].text == ")":
                        d += 1
                    elif toks[k].text == "(":
                        d -= 1
                        if d == 0:
                            break
                    k -= 1
                if k > 0 and toks[k - 1].kind == "id":
                    params = [a[-1].text for a in split_args(toks, k) if a and a[-1].kind == "id"]
                    end = close_of(toks, i)
                    out.append(Func(toks[k - 1].text, path, params, toks[i:end + 1]))
                    i = end + 1
                    continue
        if t.kind == "punct" and t.text in "{}":
            depth += 1 if t.text == "{" else -1
        i += 1
    return out


def calls(toks, name):
    """(index of "(", arguments) of each call of name in toks; declarations
    (a type word before the name) are not calls."""
    for i, t in enumerate(toks[:-1]):
        if t.kind == "id" and t.text == name and toks[i + 1].text == "(":
            if i and toks[i - 1].kind == "id" and toks[i - 1].text not in STATEMENT_WORDS:
                continue
            yield i + 1, split_args(toks, i + 1)


def literal(arg):
    return arg[0].text if len(arg) == 1 and arg[0].kind == "str" else None


def conversions(fmt):
    return [m for m in CONV.finditer(fmt) if m.group(2) != "%"]


def fill(fmt, args, values):
    """fmt with each conversion whose argument is a key of values replaced by
    that value (a literal text, so its % are doubled)."""
    out, last = [], 0
    for m, a in zip(conversions(fmt), args):
        name = a[0].text if len(a) == 1 and a[0].kind == "id" else None
        if name in values:
            out.append(fmt[last:m.start()] + values[name].replace("%", "%%"))
            last = m.end()
    return "".join(out) + fmt[last:]


def pattern(fmt, is_format=True):
    if not is_format:
        return re.escape(fmt)
    out, last = [], 0
    for m in CONV.finditer(fmt):
        out.append(re.escape(fmt[last:m.start()]))
        conv = m.group(2)
        out.append("%" if conv == "%" else WILD.get(conv, r"[-+0-9.a-zA-Z]+"))
        last = m.end()
    return "".join(out) + re.escape(fmt[last:])


def line_pattern(key, fmt, is_format):
    """The whole diagnostic line; the key, when the source names it, must be it."""
    head = SECTION_KEY if key is None else r"(?:\[[^\]]*\] )?" + re.escape(key) + ": "
    return LINE + head + pattern(fmt, is_format) + "$"


def specificity(fmt, is_format=True):
    """How much of a line a message fixes: its literal characters, and half a
    point for each conversion narrower than %s."""
    if not is_format:
        return len(fmt)
    convs = [m for m in CONV.finditer(fmt)]
    narrow = sum(0.5 for m in convs if m.group(2) not in "s%p")
    return len(CONV.sub("", fmt)) + sum(1 for m in convs if m.group(2) == "%") + narrow


def printable(fmt):
    return fmt.encode("unicode_escape").decode("ascii").replace('\\\\', '\\')


class Messages:
    def __init__(self, root):
        self.root = root
        self.funcs, self.toks = {}, {}
        self.found = []         # (path, line, key, format, is_format)
        self.problems = []      # formats the checker could not read
        for g in SOURCES:
            for path in sorted(glob.glob(os.path.join(root, g))):
                rel = os.path.relpath(path, root)
                self.toks[rel] = tokens(path)
                for f in functions(rel, self.toks[rel]):
                    self.funcs.setdefault(f.name, f)

    def add(self, path, line, key, fmt, is_format=True):
        self.found.append((path, line, key, fmt, is_format))

    def key_of(self, args):
        return literal(args[DIAG_FMT - 1]) if len(args) >= DIAG_FMT else None

    def made_in(self, func):
        """Texts func builds with MAKERS, and those of helpers in its file it calls."""
        out, seen = [], {func.name}
        todo = [func]
        while todo:
            f = todo.pop()
            for maker in MAKERS:
                for i, args in calls(f.body, maker):
                    lit = literal(args[0]) if args else None
                    if lit is not None:
                        out.append((f.path, f.body[i].line, lit, maker != "xstrdup"))
            for t in f.body:
                g = self.funcs.get(t.text) if t.kind == "id" else None
                if g and g.path == f.path and g.name not in seen and f is func:
                    seen.add(g.name)
                    todo.append(g)
        return out

    def relay(self, path, func, i, args):
        """diag_error(..., "%s", var): find who filled var."""
        var = args[DIAG_FMT + 1]
        name = var[0].text if len(var) == 1 and var[0].kind == "id" else None
        line = func.body[i].line
        if name in func.params:
            return "friend"
        for t_i, t in enumerate(func.body[:-2]):
            if t.text == "&" and func.body[t_i + 1].text == name:
                # The call this &var is an argument of: the nearest unclosed "(".
                d, k = 0, t_i
                while k > 0:
                    k -= 1
                    if func.body[k].text == ")":
                        d += 1
                    elif func.body[k].text == "(":
                        if d == 0:
                            break
                        d -= 1
                producer = self.funcs.get(func.body[k - 1].text)
                if producer:
                    made = self.made_in(producer)
                    for p, l, text, is_format in made:
                        self.add(p, l, literal(args[DIAG_FMT - 1]), text, is_format)
                    if made:
                        return "relay"
        self.problems.append(f"{path}:{line}: cannot tell which messages reach {DIAG}() "
                             f"through \"%s\" and {name or 'this argument'}")
        return "problem"

    def scan(self):
        friends = {}    # name -> [(diag args, func)]
        for path, toks in self.toks.items():
            for func in functions(path, toks):
                for i, args in calls(func.body, DIAG):
                    line = func.body[i].line
                    fmt = literal(args[DIAG_FMT]) if len(args) > DIAG_FMT else None
                    if fmt is None:
                        self.problems.append(f"{path}:{line}: the format of this {DIAG}() is not a string literal")
                        continue
                    rest = args[DIAG_FMT + 1:]
                    if any(len(a) == 1 and a[0].text in func.params for a in rest):
                        friends.setdefault(func.name, []).append((path, line, args, func))
                        continue
                    if not CONV.sub("", fmt).strip():
                        self.relay(path, func, i, args)
                        continue
                    self.add(path, line, self.key_of(args), fmt)
        for name, sites in friends.items():
            used = False
            for path, toks in self.toks.items():
                for i, cargs in calls(toks, name):
                    used = True
                    f = self.funcs[name]
                    values = {p: literal(a) for p, a in zip(f.params, cargs) if literal(a) is not None}
                    for _, _, args, _ in sites:
                        fmt = fill(literal(args[DIAG_FMT]), args[DIAG_FMT + 1:], values)
                        key = self.key_of(args)
                        if key is None and len(args) >= DIAG_FMT:
                            kp = args[DIAG_FMT - 1]
                            key = values.get(kp[0].text) if len(kp) == 1 else None
                        if CONV.sub("", fmt).strip():
                            self.add(path, toks[i].line, key, fmt)
                        else:
                            self.problems.append(f"{path}:{toks[i].line}: {name}() passes no literal message")
            if not used:
                for path, line, args, _ in sites:
                    self.add(path, line, self.key_of(args), literal(args[DIAG_FMT]))


def test_lines(root):
    """(file, line, text) of every line of every string literal in the unit tests."""
    out = []
    for path in sorted(glob.glob(os.path.join(root, TESTS))):
        rel = os.path.relpath(path, root)
        for t in tokens(path):
            if t.kind == "str":
                out.extend((rel, t.line, s) for s in t.text.split("\n"))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--list", action="store_true")
    opts = ap.parse_args()

    m = Messages(opts.root)
    m.scan()
    lines = test_lines(opts.root)
    # One message per key and text: the same text at two places needs one test.
    seen, missing = {}, []
    for path, line, key, fmt, is_format in m.found:
        seen.setdefault((key, fmt, is_format), []).append((path, line))
    rxs = {k: re.compile(line_pattern(*k), re.S) for k in seen}
    # A test line asserts the most specific message it matches (say "0 must
    # be between 1 and 10" asserts "%s must be between %lld and %lld", not
    # "%s must be between %s and %s"), so one test never counts for two.
    hits = {}
    for f, l, s in lines:
        matched = [k for k, rx in rxs.items() if rx.match(s)]
        if matched:
            best = max(specificity(*k[1:]) for k in matched)
            for k in matched:
                if specificity(*k[1:]) == best:
                    hits.setdefault(k, f"{f}:{l}")
    for (key, fmt, is_format), sites in seen.items():
        hit = hits.get((key, fmt, is_format))
        path, line = sites[0]
        where = f"{path}:{line}: " + (f"{key}: " if key else "")
        if opts.list:
            print(f"{hit or 'MISSING':28} {where}\"{printable(fmt)}\"")
        if not hit:
            missing.append(where + '"' + printable(fmt) + '"')
    for p in m.problems:
        print(p)
    if not seen:
        print(f"messages: no message found under {opts.root}")
        return 2
    for w in missing:
        print(f"no unit test asserts: {w}")
    print(f"messages: {len(seen)} messages, {len(seen) - len(missing)} asserted by a unit test, "
          f"{len(missing)} not; {len(m.problems)} unreadable", file=sys.stderr)
    return 1 if missing or m.problems else 0


if __name__ == "__main__":
    sys.exit(main())
