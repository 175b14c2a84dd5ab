# The gauge's report for run-uml-compare.sh, from `tandem_guest_cpu watch`
# samples: "CPU_NS AT_NS begin LABEL", "CPU_NS AT_NS end LABEL [TRUE_S WALL_S
# GETRUSAGE_S]" (the last three from a self-check burst run) and "CPU_NS AT_NS
# data LABEL CHECKS WALL_S TICK_US_PER_CHECK RSS_KIB_PER_SERVER".
# CPU_NS is the UML process group's run time on the host; a window's CPU is the
# difference between its end and begin samples.

function rate(label) { return cpu[label] / wall[label] }  # CPU s per s

$3 == "begin" { b_cpu[$4] = $1; b_at[$4] = $2 }
$3 == "end" {
  cpu[$4] = ($1 - b_cpu[$4]) / 1e9; wall[$4] = ($2 - b_at[$4]) / 1e9
  if (NF >= 7) { truth[$4] = $5; twall[$4] = $6; charged[$4] = $7; checks_order[++nchecks] = $4 }
}
$3 == "data" {
  checks[$4] = $5; cwall[$4] = $6; tick_us[$4] = $7; rss[$4] = $8
  split($4, p, "-"); group = p[1] "-" p[2]
  if (!(group in seen)) { seen[group] = 1; groups[++ngroups] = group }
}

END {
  print "=== CPU by the gauge: the guest's run time as the host accounts it (not tick-sampled) ==="
  base = rate("idle-selfcheck")
  printf "idle guest: %.1f ms of CPU per s\n", 1000 * base
  for (i = 1; i <= nchecks; i++) {
    l = checks_order[i]
    printf "self-check %s: share of the time busy: true %.1f%%, gauge %.1f%% (minus idle), getrusage in the guest %.1f%%\n",
           l, 100 * truth[l] / twall[l], 100 * (rate(l) - base), 100 * charged[l] / twall[l]
  }
  for (g = 1; g <= ngroups; g++) {
    split(groups[g], p, "-")
    idle = (rate(groups[g] "-idle-before") + rate(groups[g] "-idle-after")) / 2
    printf "\n%s, %s real servers (idle guest with the backends: %.1f ms/s before keepalived, %.1f ms/s after tandem)\n",
           p[1], p[2], 1000 * rate(groups[g] "-idle-before"), 1000 * rate(groups[g] "-idle-after")
    for (w = 1; w <= 2; w++) {
      who = (w == 1 ? "keepalived" : "tandem"); l = groups[g] "-" who
      cps[who] = checks[l] / cwall[l]
      per[who] = cps[who] > 0 ? 1e6 * (rate(l) - idle) / cps[who] : 0
      printf "  %-10s checks/s completed %.0f; CPU per check: gauge %.0f us [whole guest: checker + backends + guest kernel, idle rate removed], %.0f us [tick-sampled, checker's processes]; RSS %.2f KiB per real server\n",
             who ":", cps[who], per[who], tick_us[l], rss[l]
      tk[who] = tick_us[l]; rs[who] = rss[l]
    }
    printf "  tandem/keepalived: CPU per check by the gauge %s (difference %+.0f us per check, where the backends' share cancels); [tick-sampled] %s; checks/s %s; RSS per real server %s\n",
           ratio(per["tandem"], per["keepalived"]), per["tandem"] - per["keepalived"],
           ratio(tk["tandem"], tk["keepalived"]), ratio(cps["tandem"], cps["keepalived"]),
           ratio(rs["tandem"], rs["keepalived"])
  }
}

function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
