#!/usr/bin/env python3
"""sqlcmp.py NAME OUTPUT EXPECTED - compare a SQL scenario's output with its expected text case
by case. Cases start at lines "-- case: <id>"; text before the first case is a case named
"preamble". Prints PASS/FAIL per case (with a diff on failure); a case missing from either side
fails."""
import difflib
import sys


def split_cases(text):
    cases, order, cur = {}, [], "preamble"
    cases[cur] = []
    order.append(cur)
    for line in text.splitlines():
        if line.startswith("-- case: "):
            cur = line[len("-- case: "):].strip()
            if cur in cases:
                cur = cur + "#dup"
            cases[cur] = []
            order.append(cur)
        else:
            cases[cur].append(line)
    return cases, order


def main():
    name, out_path, exp_path = sys.argv[1:4]
    got_text = open(out_path, encoding="utf-8", errors="replace").read()
    try:
        exp_text = open(exp_path, encoding="utf-8").read()
    except OSError:
        print(f"FAIL {name}: no expected file {exp_path}")
        return
    got, got_order = split_cases(got_text)
    exp, exp_order = split_cases(exp_text)
    for case in exp_order:
        if case == "preamble" and not exp[case] and not got.get(case):
            continue
        label = f"{name}/{case}"
        if case not in got:
            print(f"FAIL {label}: case missing from output (did the script stop early?)")
            continue
        if got[case] == exp[case]:
            print(f"PASS {label}")
        else:
            print(f"FAIL {label}:")
            for d in difflib.unified_diff(exp[case], got[case], "expected", "got", lineterm="", n=2):
                print("    " + d)
    for case in got_order:
        if case not in exp and (case != "preamble" or got[case]):
            print(f"FAIL {name}/{case}: case not in expected file")
            for line in got[case][:10]:
                print("    " + line)


main()
