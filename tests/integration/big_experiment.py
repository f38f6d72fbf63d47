#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# An experiment file of about SIZE bytes on stdout, made of one SHAPE
# repeated: the shapes that made validation quadratic (test_inputs.sh).
# Usage: big_experiment.py SHAPE SIZE
#   targets    a target and a fault naming it, again and again
#   unknown    the same, each fault naming a target that does not exist
#   hosts      one [sandbox] hosts value of many continuation lines
#   duplicate  duplicate faults on one interface, windows apart
#   sections   the same [target t] section again and again
#   repeated   one key that may be repeated (an http probe's headers),
#              given again and again
import sys
shape, size = sys.argv[1], int(sys.argv[2])
head = '[experiment]\nname = big\n[probe p]\ntype = exec\ncommand = true\n'
def unit(i):
    if shape == 'targets':
        return f'[target t{i}]\npid = {i + 2}\n[fault f{i}]\ntype = pause\ntarget = t{i}\nduration = 1s\n'
    if shape == 'unknown':
        return f'[target t{i}]\npid = {i + 2}\n[fault f{i}]\ntype = pause\ntarget = x{i}\nduration = 1s\n'
    if shape == 'hosts':
        return f' h{i}\n'
    if shape == 'duplicate':
        return f'[fault f{i}]\ntype = duplicate\ntarget = t\ninterface = lo\npercent = 5%\nat = {i * 2}s\nduration = 1s\n'
    if shape == 'sections':
        return '[target t]\npid = 2\n'
    if shape == 'repeated':
        return f'headers = X-H{i}: v\n'
if shape == 'hosts':
    head += '[sandbox]\nsubnet = 10.0.0.0/8\nhosts = a\n'
if shape == 'duplicate':
    head += '[target t]\nnetns = /proc/1/ns/net\n'
if shape == 'repeated':
    head += '[probe h]\ntype = http\nurl = http://127.0.0.1/\n'
out, i = [head], 0
n = len(head)
while n + 200 < size:
    u = unit(i); out.append(u); n += len(u); i += 1
sys.stdout.write(''.join(out))
