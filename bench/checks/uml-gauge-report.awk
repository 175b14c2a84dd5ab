# The gauge's report for run-uml-compare.sh, from `tandem_guest_cpu watch`
# samples: "CPU_NS AT_NS begin LABEL", "CPU_NS AT_NS end LABEL [TRUE_S WALL_S
# GETRUSAGE_S]" (the last three from a self-check burst run) and "CPU_NS AT_NS
# data LABEL CHECKS WALL_S TICK_US_PER_CHECK RSS_KIB_PER_SERVER", each followed
# by "# PID:NS ..." (the UML kernel process first, then one host process per
# guest address space).
# A window's CPU is the difference between its end and begin samples. Its split:
# the kernel process (guest kernel: system calls, network stack, interrupts, and
# processes that exited in the window), the processes alive in both checkers'
# windows (the backends, plus idle helpers) and the rest (the checker).

function rate(label) { return cpu[label] / wall[label] }  # CPU s per s

# split_rates(label): CPU s per s of the window in kern[], back[] and own[],
# keyed by label; `backends` holds the pids alive in both checkers' windows.
function split_rates(label,   n, i, kv, pid, d, died) {
  n = split(procs[label, "end"], ends, " ")
  kern[label] = back[label] = own[label] = 0
  for (i = 1; i <= n; i++) {
    split(ends[i], kv, ":"); pid = kv[1]
    d = kv[2] - ((label, "begin", pid) in ns ? ns[label, "begin", pid] : 0)
    if (i == 1) kern[label] += d; else if (pid in backends) back[label] += d; else own[label] += d
  }
  # The leader's figure took in the whole run time of children that exited.
  n = split(procs[label, "begin"], begins, " ")
  for (i = 2; i <= n; i++) {
    split(begins[i], kv, ":")
    if (!((label, "end", kv[1]) in ns)) kern[label] -= kv[2]
  }
  kern[label] /= 1e9 * wall[label]; back[label] /= 1e9 * wall[label]; own[label] /= 1e9 * wall[label]
}

function keep_procs(label, where,   n, i, kv) {
  procs[label, where] = ""
  n = split($0, items, " ")
  for (i = 2; i <= n; i++) {
    split(items[i], kv, ":"); ns[label, where, kv[1]] = kv[2]
    procs[label, where] = procs[label, where] " " items[i]
  }
}

function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }

$1 == "#" { if (last_where != "") keep_procs(last_label, last_where); next }
{ last_where = "" }
$3 == "begin" { b_cpu[$4] = $1; b_at[$4] = $2; last_label = $4; last_where = "begin" }
$3 == "end" {
  cpu[$4] = ($1 - b_cpu[$4]) / 1e9; wall[$4] = ($2 - b_at[$4]) / 1e9; last_label = $4; last_where = "end"
  if (NF >= 7) { truth[$4] = $5; twall[$4] = $6; charged[$4] = $7; checks_order[++nchecks] = $4 }
}
$3 == "data" {
  checks[$4] = $5; cwall[$4] = $6; tick_us[$4] = $7; rss[$4] = $8
  group = $4; sub(/-(keepalived|tandem)$/, "", group)   # KIND-N (KIND may hold a hyphen)
  if (!(group in seen)) { seen[group] = 1; groups[++ngroups] = group }
}

END {
  print "=== CPU by the gauge: the guest's run time as the host accounts it (not tick-sampled) ==="
  base = rate("idle-selfcheck")
  printf "idle guest: %.1f ms of CPU per s\n", 1000 * base
  for (i = 1; i <= nchecks; i++) {
    l = checks_order[i]; split_rates(l)
    printf "self-check %s: share of the time busy: true %.1f%%; gauge %.1f%% (minus idle; user-mode processes %.1f%%); getrusage in the guest %.1f%%\n",
           l, 100 * truth[l] / twall[l], 100 * (rate(l) - base), 100 * own[l], 100 * charged[l] / twall[l]
  }
  for (g = 1; g <= ngroups; g++) {
    G = groups[g]; kind = G; sub(/-[0-9]+$/, "", kind); nservers = substr(G, length(kind) + 2)
    # The backends' host process: alive from keepalived's window to tandem's.
    split("", backends)
    n = split(procs[G "-keepalived", "begin"], items, " ")
    for (i = 2; i <= n; i++) { split(items[i], kv, ":"); if ((G "-tandem", "end", kv[1]) in ns) backends[kv[1]] = 1 }
    for (w = 1; w <= 4; w++) split_rates(G "-" (w == 1 ? "idle-before" : w == 2 ? "idle-after" : w == 3 ? "keepalived" : "tandem"))
    ib = G "-idle-before"; ia = G "-idle-after"
    idle = (rate(ib) + rate(ia)) / 2
    printf "\n%s, %s real servers (idle guest with the backends: %.1f ms/s before keepalived, %.1f ms/s after tandem)\n",
           kind, nservers, 1000 * rate(ib), 1000 * rate(ia)
    for (w = 1; w <= 2; w++) {
      who = (w == 1 ? "keepalived" : "tandem"); l = G "-" who
      cps[who] = checks[l] / cwall[l]
      us = cps[who] > 0 ? 1e6 / cps[who] : 0  # us of CPU per check, per CPU s per s
      per[who] = us * (rate(l) - idle)
      k = us * (kern[l] - (kern[ib] + kern[ia]) / 2)
      b = us * (back[l] - (back[ib] + back[ia]) / 2)
      own_us[who] = us * (own[l] - (own[ib] + own[ia]) / 2)
      printf "  %-11s checks/s completed %.0f; RSS %.2f KiB per real server\n", who ":", cps[who], rss[l]
      printf "  %-11s CPU per check: gauge %.0f us [whole guest: checker + backends + guest kernel, idle rate removed]; %.0f us [tick-sampled: the checker's processes in the guest]\n",
             who ":", per[who], tick_us[l]
      printf "  %-11s   the gauge's %.0f us by host process: guest kernel %.0f (system calls, network stack and interrupts of checker and backends alike), backends' user mode %.0f, checker's user mode %.0f\n",
             who ":", per[who], k, b, own_us[who]
      tk[who] = tick_us[l]; rs[who] = rss[l]
    }
    printf "  tandem/keepalived: CPU per check by the gauge %s (difference %+.0f us, where the backends' share cancels); checker's user mode %s; [tick-sampled] %s; checks/s %s; RSS per real server %s\n",
           ratio(per["tandem"], per["keepalived"]), per["tandem"] - per["keepalived"],
           ratio(own_us["tandem"], own_us["keepalived"]), ratio(tk["tandem"], tk["keepalived"]),
           ratio(cps["tandem"], cps["keepalived"]), ratio(rs["tandem"], rs["keepalived"])
  }
}
