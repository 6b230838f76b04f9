#!/usr/bin/env bash
# The real-lab leg of `npm test`: brings the Debian Glance 25.1 lab up, runs every suite against it,
# then the tests that need it (fault break/restore pairs, fidelity against the reference, DB, ...).
# GLANCE_HARNESS_SKIP_LAB=1 skips it, saying so; without that, a machine that cannot run the lab fails.
set -euo pipefail
SELF=$(realpath "$0")
cd "$(dirname "$SELF")/../.."

say() { printf 'lab leg: %s\n' "$*"; }
stamp() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(stamp)" 'BEGIN { printf "%.1f", b - a }'; }

if [[ ${GLANCE_HARNESS_SKIP_LAB:-} == 1 ]]; then
  say 'SKIPPED (GLANCE_HARNESS_SKIP_LAB=1): nothing was checked against a real Glance, only the embedded reference'
  exit 0
fi
why=''
[[ $(id -u) -eq 0 ]] || why='needs root'
grep -qs '^12' /etc/debian_version || why="${why:+$why, }needs Debian 12 (bookworm)"
command -v apt-get >/dev/null 2>&1 || why="${why:+$why, }needs apt-get"
if [[ -n $why ]]; then
  say "cannot run here ($why); set GLANCE_HARNESS_SKIP_LAB=1 to skip the real-lab leg on this machine" >&2
  exit 1
fi

lab() { node bin/glance-harness.js lab "$@"; }
lab_dir=${GLANCE_HARNESS_LAB_DIR:-/var/lib/glance-harness/lab}

# One lab per machine: the leg runs under the lab lock, held by a flock process that is an ancestor of
# every test (tests that take the lock themselves check their ancestors for it).
readonly LOCK=/tmp/glance-lab.lock
if [[ ${GLANCE_HARNESS_LAB_LOCKED:-} != 1 ]]; then
  flock -n "$LOCK" true || say "waiting for the lab lock ($LOCK)"
  exec env GLANCE_HARNESS_LAB_LOCKED=1 flock "$LOCK" bash "$SELF" "$@"
fi

t0=$(stamp)
started_here=0
if ! lab status >/dev/null 2>&1; then started_here=1; fi
t=$(stamp)
lab up
t_up=$(elapsed "$t")
if [[ -s $lab_dir/fault ]]; then
  say "a fault was left in place ($(cat "$lab_dir/fault")): restoring"
  lab restore
fi

finish() {
  local rc=$?
  lab down --release newest >/dev/null 2>&1 || true
  if [[ $started_here -eq 1 ]]; then lab down >/dev/null 2>&1 || true; fi
  exit "$rc"
}
trap finish EXIT

verdicts=$(mktemp -d)
say 'suites against the embedded reference'
t=$(stamp)
# shellcheck disable=SC2046
env $(env | grep -o '^OS_[A-Z_]*' | sed 's/^/-u /') node bin/glance-harness.js run --suite all --json >"$verdicts/reference.json"
t_ref=$(elapsed "$t")

say 'suites against the real lab (admin openrc, demo as the second project, a reader on demo)'
t=$(stamp)
(
  set -a
  # shellcheck disable=SC1091
  source "$lab_dir/openrc-demo"
  OS_ALT_USERNAME=$OS_USERNAME OS_ALT_PASSWORD=$OS_PASSWORD OS_ALT_PROJECT_NAME=$OS_PROJECT_NAME
  OS_ALT_USER_DOMAIN_NAME=${OS_USER_DOMAIN_NAME:-Default} OS_ALT_PROJECT_DOMAIN_NAME=${OS_PROJECT_DOMAIN_NAME:-Default}
  # shellcheck disable=SC1091
  source "$lab_dir/openrc-admin"
  set +a
  # A reader on project demo, as the embedded reference has one, for the RBAC checks.
  node --import tsx test/lab/with-reader.ts -- node bin/glance-harness.js run --suite all --json >"$verdicts/real.json"
)
t_suites=$(elapsed "$t")

say 'same verdicts on both'
node --import tsx test/lab/compare-verdicts.ts "$verdicts/reference.json" "$verdicts/real.json"

say 'suites against the newest Glance (PyPI, under uWSGI; its admin, then its reader; its member as the second project, its reader for the RBAC checks)'
t=$(stamp)
lab up --release newest
newest_dir=${GLANCE_HARNESS_NEWEST_LAB_DIR:-/var/lib/glance-harness/lab-newest}
(
  set -a
  # shellcheck disable=SC1091
  source "$newest_dir/openrc-newest-member"
  OS_ALT_USERNAME=$OS_USERNAME OS_ALT_PASSWORD=$OS_PASSWORD OS_ALT_PROJECT_NAME=$OS_PROJECT_NAME
  OS_ALT_USER_DOMAIN_NAME=${OS_USER_DOMAIN_NAME:-Default} OS_ALT_PROJECT_DOMAIN_NAME=${OS_PROJECT_DOMAIN_NAME:-Default}
  # shellcheck disable=SC1091
  source "$newest_dir/openrc-newest-reader"
  OS_READER_USERNAME=$OS_USERNAME OS_READER_PASSWORD=$OS_PASSWORD OS_READER_PROJECT_NAME=$OS_PROJECT_NAME
  OS_READER_USER_DOMAIN_NAME=${OS_USER_DOMAIN_NAME:-Default} OS_READER_PROJECT_DOMAIN_NAME=${OS_PROJECT_DOMAIN_NAME:-Default}
  # shellcheck disable=SC1091
  source "$newest_dir/openrc-newest-admin"
  set +a
  known=test/lab/newest-known-failures.yaml
  node bin/glance-harness.js run --suite all --json --expect-failures "$known" --strict >"$verdicts/newest.json" || true
  # The project reader as the primary user: what the release's default policy refuses it is skipped with that reason.
  # shellcheck disable=SC1091
  set -a && source "$newest_dir/openrc-newest-reader" && set +a
  node bin/glance-harness.js run --suite all --json --expect-failures "$known" >"$verdicts/newest-reader.json" || true
)
t_newest=$(elapsed "$t")

say 'verdicts by target (real Glances: no failure, every skip with its reason)'
node --import tsx test/lab/verdict-table.ts reference="$verdicts/reference.json" \
  '!zed lab'="$verdicts/real.json" '!newest'="$verdicts/newest.json" '!newest (reader)'="$verdicts/newest-reader.json"
rm -rf "$verdicts"

say "Tempest's image API tests on the lab, the reference and the newest Glance (its outcomes against test/tempest/newest-outcomes.yaml)"
t=$(stamp)
(
  set -a
  # shellcheck disable=SC1091
  source "$lab_dir/openrc-admin"
  set +a
  node --import tsx test/tempest/leg.ts
)
t_tempest=$(elapsed "$t")
# The Zed lab's faults stop MariaDB and Keystone under it: the newest lab goes down before them.
lab down --release newest

say 'tests that need the lab (*.lab.test.ts)'
t=$(stamp)
GLANCE_HARNESS_LAB_TESTS=1 GLANCE_HARNESS_NEWEST_LAB_TESTS=1 npm run --silent test:lab-files
t_files=$(elapsed "$t")

say "passed: lab up ${t_up} s, suites on the reference ${t_ref} s, on the lab ${t_suites} s, on the newest Glance ${t_newest} s, Tempest ${t_tempest} s, lab tests ${t_files} s, total $(elapsed "$t0") s"
