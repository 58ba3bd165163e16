#!/usr/bin/env bash
# Stops envtest processes (etcd, kube-apiserver) left behind by test processes that died without stopping
# them, and removes their directories. test/env/kube.ts runs this before its first start in every process;
# run it by hand after a crash if you like.
#
# Each environment is described by <cache>/envtest/run/<name>.pids (written by test/env/kube.ts):
#   owner=<pid> <start time>    the test process, with its start time from /proc so a recycled pid is not "alive"
#   dir=<path>                  the environment's directory; every process of the environment names it in argv
#   etcd=<pid>
#   kube-apiserver=<pid>
#
# Usage: cleanup.sh [--all]     --all stops every environment, also those whose owner is still running.
# Directories of environments are capo-envtest-* under $TMPDIR (default /tmp).
set -euo pipefail

run_dir=${CAPO_TS_CACHE:-$HOME/.cache/capo-ts}/envtest/run
all=0
[[ ${1:-} == --all ]] && all=1

# Field 22 of /proc/<pid>/stat, counted after the parenthesised command name, which may contain spaces;
# nothing for a zombie (dead, not yet reaped), which no longer owns anything.
start_time() {
	local stat fields
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	read -ra fields <<<"${stat##*) }"
	[[ ${fields[0]} == Z ]] || printf '%s' "${fields[19]}"
}

# A pid is killed only if its command line names the environment's directory: pids get recycled.
belongs() { tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"; }

reap() {
	local file=$1 key value owner='' owner_start='' dir='' pid waited
	local -a pids=()
	while IFS='=' read -r key value; do
		case $key in
		owner) read -r owner owner_start <<<"$value" ;;
		dir) dir=$value ;;
		kube-apiserver | etcd) pids+=("$value") ;;
		esac
	done <"$file" 2>/dev/null || return 0
	if ((!all)) && [[ -n $owner && -n $owner_start && "$(start_time "$owner")" == "$owner_start" ]]; then
		return 0
	fi
	[[ -n $dir ]] || return 0
	for pid in "${pids[@]}"; do
		if belongs "$pid" "$dir"; then
			echo "envtest cleanup: killing pid $pid of $dir (owner ${owner:-?} is gone)" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	# The directory may only go once nothing writes to it any more.
	for pid in "${pids[@]}"; do
		for ((waited = 0; waited < 50; waited++)); do
			belongs "$pid" "$dir" || break
			sleep 0.1
		done
	done
	case $(basename "$dir") in capo-envtest-*) rm -rf -- "$dir" ;; esac
	rm -f -- "$file"
}

shopt -s nullglob
for file in "$run_dir"/*.pids; do
	reap "$file"
done

# Directories without a pid file: their test process died before starting the processes, or they were kept
# (CAPO_TS_ENVTEST_KEEP=1) for their logs. A day is long enough for either.
for dir in "${TMPDIR:-/tmp}"/capo-envtest-*/; do
	dir=${dir%/}
	if [[ ! -e $run_dir/$(basename "$dir").pids && -n $(find "$dir" -maxdepth 0 -mmin +1440) ]]; then
		rm -rf -- "$dir"
	fi
done
