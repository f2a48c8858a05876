#!/bin/bash
# usage: watch.sh PID LOG — kill PID when MemAvailable < 3 GiB; record peak RSS
pid=$1; log=$2; peak=0
while kill -0 $pid 2>/dev/null; do
  avail=$(awk '/MemAvailable/{print $2}' /proc/meminfo)
  rss=$(awk '/VmHWM/{print $2}' /proc/$pid/status 2>/dev/null)
  [ -n "$rss" ] && [ "$rss" -gt "$peak" ] && peak=$rss
  if [ "$avail" -lt 3145728 ]; then echo "$(date +%T) killing: MemAvailable ${avail} kB, peak ${peak} kB" >> $log; kill -9 $pid; fi
  sleep 1
done
echo "$(date +%T) done, peak ${peak} kB" >> $log
