#!/usr/bin/env bash
# A real OpenStack Glance (Debian bookworm packages) on loopback, with faults on demand.
#
#   lab.sh up | status | down [--purge] | logs [service] [-f] [-n N]
#   lab.sh break <fault> | restore | faults | help
#
# Everything listens on 127.0.0.1: MariaDB :3306, Keystone (uwsgi) :5000, glance-api :9292,
# nginx :8080 -> :9292. State (passwords, pids, generated configs, logs, image store) lives in
# ${GLANCE_HARNESS_LAB_DIR:-/var/lib/glance-harness/lab}. Exit codes: 0 ok, 1 failure or
# unhealthy, 2 not Debian or not root, 64 usage.
set -euo pipefail
shopt -s nullglob

# Daemons started here must not inherit the caller's descriptors: a lock file held open (flock) would
# stay locked for as long as MariaDB, uwsgi or nginx run. Bash reads this script through fd 255.
for fd_path in /proc/$$/fd/*; do
  fd=${fd_path##*/}
  if ((fd > 2 && fd != 255)); then eval "exec ${fd}>&-" 2>/dev/null || true; fi
done
unset fd fd_path

# The system Python must run the OpenStack tools, whatever the caller's PATH holds (pyenv...).
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 022

SELF=$(readlink -f "${BASH_SOURCE[0]}")
readonly SELF
readonly LAB_DIR=${GLANCE_HARNESS_LAB_DIR:-/var/lib/glance-harness/lab}
readonly SECRETS_DIR=$LAB_DIR/secrets
readonly PASSWORDS_FILE=$SECRETS_DIR/passwords.env
readonly RUN_DIR=$LAB_DIR/run
readonly LOG_DIR=$LAB_DIR/logs
readonly ETC_DIR=$LAB_DIR/etc
readonly PRISTINE_DIR=$LAB_DIR/pristine
readonly STORE_DIR=$LAB_DIR/store
readonly STORE_REMOVED_DIR=$LAB_DIR/store.removed
readonly STAGING_DIR=$LAB_DIR/staging
readonly TASKS_DIR=$LAB_DIR/tasks
readonly NGINX_TMP_DIR=$LAB_DIR/nginx-tmp
readonly FAULT_FILE=$LAB_DIR/fault
readonly MARKER_FILE=$LAB_DIR/.glance-harness-lab
readonly OPENRC_ADMIN=$LAB_DIR/openrc-admin
readonly OPENRC_DEMO=$LAB_DIR/openrc-demo
readonly CLOUDS_YAML=$LAB_DIR/clouds.yaml
readonly DB_READONLY_URL_FILE=$LAB_DIR/db-readonly.url

readonly HOST=127.0.0.1
readonly DB_PORT=3306 KEYSTONE_PORT=5000 GLANCE_PORT=9292 PROXY_PORT=8080
readonly KEYSTONE_URL=http://$HOST:$KEYSTONE_PORT
readonly GLANCE_URL=http://$HOST:$GLANCE_PORT
readonly PROXY_URL=http://$HOST:$PROXY_PORT
readonly REGION=RegionOne

readonly GLANCE_CONF=/etc/glance/glance-api.conf
readonly KEYSTONE_CONF=/etc/keystone/keystone.conf
readonly MARIADB_DROPIN=/etc/mysql/mariadb.conf.d/99-glance-harness-lab.cnf
readonly MARIADB_LOG=/var/log/mysql/error.log
readonly GENERATED_MARK='written by the glance-harness lab'
# uwsgi renames its processes with procname-prefix; read_pid matches this.
readonly KEYSTONE_PROC='glance-lab-uWSGI master'
readonly HORIZON_PORT=8081
readonly HORIZON_URL=http://$HOST:$HORIZON_PORT
readonly HORIZON_PROC='glance-lab-horizon-uWSGI master'
readonly HORIZON_DROPIN=/etc/openstack-dashboard/local_settings.d/_90_glance_harness_lab.py
readonly HORIZON_MARKER=$LAB_DIR/run/horizon.enabled
readonly HORIZON_PACKAGES=(openstack-dashboard uwsgi uwsgi-plugin-python3)
# legacy (uploads pass through Horizon) or direct (the browser PUTs to Glance, which then needs CORS).
readonly HORIZON_UPLOAD_MODE=${GLANCE_HARNESS_LAB_HORIZON_UPLOAD_MODE:-legacy}

readonly PACKAGES=(
  glance-api glance-common keystone mariadb-server nginx python3-openstackclient
  python3-glanceclient qemu-utils uwsgi uwsgi-plugin-python3 curl jq openssl
)
readonly FAULTS=(
  db-not-synced db-down keystone-service-password-wrong keystone-down auth-disabled glance-down
  store-unwritable store-removed store-full store-mount-lost proxy-body-limit swift-unmounted
  db-half-migrated catalog-wrong-port store-data-lost image-size-cap store-small
)
# db-half-migrated moves this table into FAULT_DB; restore moves it back.
readonly FAULT_DB=glance_lab_fault HALF_MIGRATED_TABLE=image_properties
# catalog-wrong-port points the public image endpoint here (nothing may listen on it).
readonly DEAD_PORT=9393
# image-size-cap sets [DEFAULT] image_size_cap to this; store-small mounts a filesystem of this size.
readonly SIZE_CAP_MIB=64 SMALL_STORE_MIB=64
# Swift all-in-one, installed and started only by the swift-unmounted fault.
readonly SWIFT_PACKAGES=(swift swift-proxy swift-account swift-container swift-object memcached)
readonly SWIFT_ETC=$LAB_DIR/swift/etc SWIFT_DEVICES=$LAB_DIR/swift/node
readonly SWIFT_PROXY_PORT=8090 SWIFT_ACCOUNT_PORT=6212 SWIFT_CONTAINER_PORT=6211 SWIFT_OBJECT_PORT=6210
readonly MEMCACHED_PORT=11212
readonly GLANCE_SWIFT_CONF=/etc/glance/glance-swift-store.conf

# Filled from $PASSWORDS_FILE by load_secrets.
ADMIN_PASS='' DEMO_PASS='' GLANCE_PASS='' GLANCE_DB_PASS='' KEYSTONE_DB_PASS='' READONLY_DB_PASS='' SWIFT_KEY=''
FRESH_SECRETS=0
STORE_FS_DESCRIPTION=''
KEYSTONE_CONF_CHANGED=0
GLANCE_CONF_CHANGED=0
T0=${EPOCHREALTIME/./}
TOKEN_HEADER_FILE=''

# ---------------------------------------------------------------------------------------------
# output

elapsed() {
  local now=${EPOCHREALTIME/./}
  local tenths=$(((now - T0) / 100000))
  printf '%d.%d' "$((tenths / 10))" "$((tenths % 10))"
}
step() { printf '[%6ss] %s\n' "$(elapsed)" "$*"; }
say() { printf '%s\n' "$*"; }
warn() { printf 'lab: warning: %s\n' "$*" >&2; }
die() {
  printf 'lab: %s\n' "$*" >&2
  exit 1
}
usage_error() {
  printf 'lab: %s\n' "$*" >&2
  printf "run 'lab.sh help' for usage\n" >&2
  exit 64
}

remove_added_policy_rc() {
  [[ ! -e $RUN_DIR/policy-rc.d.added ]] || rm -f /usr/sbin/policy-rc.d "$RUN_DIR/policy-rc.d.added"
}

on_exit() {
  [[ -z $TOKEN_HEADER_FILE ]] || rm -f "$TOKEN_HEADER_FILE"
  remove_added_policy_rc
}
trap on_exit EXIT

# ---------------------------------------------------------------------------------------------
# platform, directories, lock

require_platform() {
  local id='' version=''
  if [[ -r /etc/os-release ]]; then
    # shellcheck source=/dev/null
    id=$(. /etc/os-release && printf '%s' "${ID:-}")
    # shellcheck source=/dev/null
    version=$(. /etc/os-release && printf '%s' "${VERSION_ID:-}")
  fi
  if [[ $id != debian ]]; then
    printf 'lab: the Glance lab installs Debian packages and needs Debian 12 (bookworm); this machine is "%s".\n' \
      "${id:-unknown}" >&2
    exit 2
  fi
  if ((EUID != 0)); then
    printf 'lab: the Glance lab installs packages, starts services and mounts filesystems: run it as root.\n' >&2
    exit 2
  fi
  [[ $version == 12 ]] ||
    warn "the lab was built on Debian 12 (bookworm); this is Debian ${version:-unknown}, package versions and fault behaviour may differ"
}

init_dirs() {
  mkdir -p "$LAB_DIR" "$RUN_DIR" "$LOG_DIR" "$SECRETS_DIR" "$ETC_DIR" "$PRISTINE_DIR"
  chmod 0755 "$LAB_DIR" "$RUN_DIR" "$LOG_DIR"
  chmod 0700 "$SECRETS_DIR" "$ETC_DIR" "$PRISTINE_DIR"
  [[ -e $MARKER_FILE ]] || printf 'state directory of the glance-harness lab (src/lab/lab.sh)\n' >"$MARKER_FILE"
}

# One mutating command at a time. Daemons are started with 9>&- so they never hold the lock.
take_lock() {
  exec 9>"$LAB_DIR/.lock"
  flock -n 9 || die "another lab command is running (lock $LAB_DIR/.lock)"
}

# Owners exist only once the packages are installed.
init_service_dirs() {
  if [[ ! -d $STORE_DIR ]]; then
    install -d -o glance -g glance -m 0750 "$STORE_DIR"
  fi
  install -d -o glance -g glance -m 0750 "$STAGING_DIR" "$TASKS_DIR"
  install -d -o www-data -g www-data -m 0700 "$NGINX_TMP_DIR"
  install -d -o glance -g glance -m 0755 /var/lock/glance /var/lib/glance
  install -d -o mysql -g adm -m 2750 /var/log/mysql
  local f
  for f in keystone.log keystone-uwsgi.log keystone-manage.log; do
    touch "$LOG_DIR/$f" && chown keystone:keystone "$LOG_DIR/$f" && chmod 0640 "$LOG_DIR/$f"
  done
  for f in glance-api.log glance-api.stdout.log glance-manage.log; do
    touch "$LOG_DIR/$f" && chown glance:glance "$LOG_DIR/$f" && chmod 0640 "$LOG_DIR/$f"
  done
  if ! runuser -u glance -- test -w "$STORE_DIR"; then
    die "the glance user cannot write $STORE_DIR: every parent of GLANCE_HARNESS_LAB_DIR must be traversable (o+x)"
  fi
}

# ---------------------------------------------------------------------------------------------
# packages

# $@: the packages wanted (default: the lab's PACKAGES).
missing_packages() {
  local p
  for p in "$@"; do
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null) == installed ]] || printf '%s\n' "$p"
  done
}

apt_lists_stale() {
  local lists=(/var/lib/apt/lists/*_Packages*) p
  ((${#lists[@]} > 0)) || return 0
  for p; do
    apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [^(]' || return 0
  done
  return 1
}

# $@: packages wanted (default: the lab's own).
ensure_packages() {
  local missing=() wanted=("$@")
  ((${#wanted[@]})) || wanted=("${PACKAGES[@]}")
  mapfile -t missing < <(missing_packages "${wanted[@]}")
  if ((${#missing[@]} == 0)); then
    step "packages present"
    return
  fi
  step "installing ${missing[*]} (apt-get; log $LOG_DIR/apt.log)"
  # Debian starts services from postinst; the packaged init scripts would bind every interface.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\n# glance-harness lab: no service starts during apt-get\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    touch "$RUN_DIR/policy-rc.d.added"
  fi
  export DEBIAN_FRONTEND=noninteractive
  if apt_lists_stale "${missing[@]}"; then
    step "apt-get update (package lists missing or without a candidate)"
    apt-get update -q >>"$LOG_DIR/apt.log" 2>&1 9>&- || die "apt-get update failed; see $LOG_DIR/apt.log"
  fi
  if ! apt-get install -y -q "${missing[@]}" >>"$LOG_DIR/apt.log" 2>&1 9>&-; then
    step "apt-get install failed; refreshing package lists and retrying once"
    apt-get update -q >>"$LOG_DIR/apt.log" 2>&1 9>&- || true
    apt-get install -y -q "${missing[@]}" >>"$LOG_DIR/apt.log" 2>&1 9>&- ||
      die "apt-get install failed; see $LOG_DIR/apt.log"
  fi
  remove_added_policy_rc
  step "packages installed"
}

# ---------------------------------------------------------------------------------------------
# secrets

ensure_secrets() {
  if [[ ! -s $PASSWORDS_FILE ]]; then
    local tmp=$PASSWORDS_FILE.tmp name
    (
      umask 077
      : >"$tmp"
      for name in ADMIN_PASS DEMO_PASS GLANCE_PASS GLANCE_DB_PASS KEYSTONE_DB_PASS READONLY_DB_PASS; do
        printf '%s=%s\n' "$name" "$(openssl rand -hex 16)" >>"$tmp"
      done
    )
    mv "$tmp" "$PASSWORDS_FILE"
    FRESH_SECRETS=1
    step "generated lab passwords in $PASSWORDS_FILE (mode 0600)"
  fi
  load_secrets
}

load_secrets() {
  [[ -r $PASSWORDS_FILE ]] || die "no lab passwords in $PASSWORDS_FILE; run 'lab up' first"
  chmod 0600 "$PASSWORDS_FILE"
  # shellcheck source=/dev/null
  . "$PASSWORDS_FILE"
}

# ---------------------------------------------------------------------------------------------
# small helpers: pids, ports, http, files

# Prints the pid recorded for a lab service when that process is alive and is what we started.
read_pid() {
  local name=$1 pattern=$2 pid
  [[ -r $RUN_DIR/$name.pid ]] || return 1
  read -r pid <"$RUN_DIR/$name.pid" || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$pattern" || return 1
  printf '%s\n' "$pid"
}

mariadb_pid() {
  local pid
  [[ -r /run/mysqld/mysqld.pid ]] || return 1
  read -r pid </run/mysqld/mysqld.pid || return 1
  [[ -d /proc/$pid ]] || return 1
  printf '%s\n' "$pid"
}

# Stops a recorded process (and the children it had) by pid; nothing else.
stop_recorded() {
  local name=$1 pattern=$2 signal=${3:-TERM} pid children=() i
  if ! pid=$(read_pid "$name" "$pattern"); then
    rm -f "$RUN_DIR/$name.pid"
    return 0
  fi
  mapfile -t children < <(pgrep -P "$pid" || true)
  kill "-$signal" "$pid" 2>/dev/null || true
  for ((i = 0; i < 120; i++)); do
    alive_any "$pid" "${children[@]}" || break
    sleep 0.25
  done
  if alive_any "$pid" "${children[@]}"; then
    warn "$name (pid $pid) did not stop within 30 s; sending KILL"
    kill -KILL "$pid" "${children[@]}" 2>/dev/null || true
  fi
  rm -f "$RUN_DIR/$name.pid"
}

# For messages: stops a recorded service and says so when it was running.
stop_and_say() {
  local name=$1 pattern=$2 signal=${3:-TERM} pid
  if pid=$(read_pid "$name" "$pattern"); then
    stop_recorded "$name" "$pattern" "$signal"
    step "$name stopped (pid $pid)"
  else
    rm -f "$RUN_DIR/$name.pid"
    step "$name was not running"
  fi
}

alive_any() {
  local p
  for p; do
    [[ -d /proc/$p ]] && [[ $(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) != Z ]] && return 0
  done
  return 1
}

port_holder() {
  ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\("[^"]*",pid=[0-9]*\).*/\1/p' | head -n 1
}

require_port_free() {
  local port=$1 what=$2 holder
  holder=$(port_holder "$port")
  [[ -z $holder ]] ||
    die "port $port is already taken by $holder, not by the lab's $what; stop it first (e.g. 'service ${what} stop')"
}

http_code() {
  curl -s -o /dev/null -m "${HTTP_TIMEOUT:-5}" -w '%{http_code}' "$@" 2>/dev/null || true
}

wait_until() {
  local seconds=$1 i
  shift
  for ((i = 0; i < seconds * 4; i++)); do
    "$@" && return 0
    sleep 0.25
  done
  return 1
}

# Copies $1 to $2 when the content differs; returns 0 when it changed.
install_if_changed() {
  local src=$1 dest=$2 mode=$3 owner=$4
  if [[ -f $dest ]] && cmp -s "$src" "$dest"; then
    chmod "$mode" "$dest"
    chown "$owner" "$dest"
    return 1
  fi
  install -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$src" "$dest"
  return 0
}

save_pristine() {
  local f dest
  for f in "$GLANCE_CONF" "$KEYSTONE_CONF"; do
    dest=$PRISTINE_DIR$f
    [[ ! -e $dest ]] || continue
    [[ -e $f ]] || continue
    if grep -q "$GENERATED_MARK" "$f"; then
      warn "$f was written by an earlier lab; no pristine copy kept (the package copy is in /usr/share)"
      continue
    fi
    mkdir -p "$(dirname "$dest")"
    cp -a "$f" "$dest"
  done
}

# ---------------------------------------------------------------------------------------------
# MariaDB

mariadb_alive() { mysqladmin --connect-timeout=2 ping >/dev/null 2>&1; }

# Runs the SQL on stdin as root over the unix socket (Debian: unix_socket auth).
sql() { mysql --protocol=socket -uroot -N -B; }

start_mariadb() {
  write_mariadb_dropin
  service mariadb start >>"$LOG_DIR/mariadb-service.log" 2>&1 9>&- ||
    die "service mariadb start failed; see $LOG_DIR/mariadb-service.log and $MARIADB_LOG"
  wait_until 60 mariadb_alive || die "MariaDB did not answer within 60 s; see $MARIADB_LOG"
}

# Debian's MariaDB logs to syslog, which a machine without systemd usually lacks.
write_mariadb_dropin() {
  [[ -d /etc/mysql/mariadb.conf.d ]] || return 0
  cat >"$MARIADB_DROPIN.tmp" <<EOF
# $GENERATED_MARK ('lab down --purge' removes it): MariaDB's log in a file, not syslog.
[mysqld_safe]
skip_syslog
log_error = $MARIADB_LOG

[mysqld]
log_error = $MARIADB_LOG
EOF
  if cmp -s "$MARIADB_DROPIN.tmp" "$MARIADB_DROPIN" 2>/dev/null; then
    rm -f "$MARIADB_DROPIN.tmp"
  else
    mv "$MARIADB_DROPIN.tmp" "$MARIADB_DROPIN"
    chmod 0644 "$MARIADB_DROPIN"
  fi
}

ensure_mariadb() {
  if mariadb_alive; then
    if [[ -e $RUN_DIR/mariadb.started-by-lab ]]; then
      step "mariadb running (started by the lab)"
    else
      step "mariadb already running (not started by the lab: 'down' leaves it running)"
    fi
    return
  fi
  start_mariadb
  touch "$RUN_DIR/mariadb.started-by-lab"
  step "mariadb started (service mariadb start)"
}

db_user_sql() {
  local user=$1 pass=$2 grant=$3 host
  for host in localhost 127.0.0.1; do
    printf "CREATE USER IF NOT EXISTS '%s'@'%s' IDENTIFIED BY '%s';\n" "$user" "$host" "$pass"
    printf "ALTER USER '%s'@'%s' IDENTIFIED BY '%s';\n" "$user" "$host" "$pass"
    printf "GRANT %s TO '%s'@'%s';\n" "$grant" "$user" "$host"
  done
}

ensure_databases() {
  {
    printf 'CREATE DATABASE IF NOT EXISTS keystone;\nCREATE DATABASE IF NOT EXISTS glance;\n'
    db_user_sql keystone "$KEYSTONE_DB_PASS" 'ALL PRIVILEGES ON keystone.*'
    db_user_sql glance "$GLANCE_DB_PASS" 'ALL PRIVILEGES ON glance.*'
    db_user_sql glance_harness_ro "$READONLY_DB_PASS" 'SELECT ON glance.*'
  } | sql
  step "databases keystone, glance and users keystone, glance, glance_harness_ro (read-only) ready"
}

db_synced() {
  local version
  version=$(sql <<<"SELECT version_num FROM $1.alembic_version LIMIT 1" 2>/dev/null) || return 1
  [[ -n $version ]]
}

# ---------------------------------------------------------------------------------------------
# Keystone

write_keystone_conf() {
  cat <<EOF
# keystone.conf for the glance-harness lab; $GENERATED_MARK on every 'lab up'.
# The package's own file is kept in $PRISTINE_DIR$KEYSTONE_CONF ('lab down --purge' puts it back).
[DEFAULT]
log_dir = $LOG_DIR
log_file = keystone.log

[database]
connection = mysql+pymysql://keystone:$KEYSTONE_DB_PASS@$HOST/keystone

[token]
provider = fernet

[fernet_tokens]
key_repository = /etc/keystone/fernet-keys/

[credential]
key_repository = /etc/keystone/credential-keys/

[federation]
sso_callback_template = /etc/keystone/sso_callback_template.html

[oslo_policy]
policy_dirs = /etc/keystone/policy.d
EOF
}

write_keystone_uwsgi_ini() {
  cat <<EOF
# uwsgi for Keystone in the glance-harness lab: loopback only, no apparmor, own pid and log.
[uwsgi]
plugins = python3
http-socket = $HOST:$KEYSTONE_PORT
wsgi-file = /usr/bin/keystone-wsgi-public
procname-prefix = glance-lab-
uid = keystone
gid = keystone
chdir = /var/lib/keystone
master = true
processes = 2
threads = 4
enable-threads = true
lazy-apps = true
die-on-term = true
no-orphans = true
thunder-lock = true
buffer-size = 65535
# Without it clients reusing connections see intermittent resets from uwsgi's http-socket.
add-header = Connection: close
pidfile = $RUN_DIR/keystone.pid
daemonize = $LOG_DIR/keystone-uwsgi.log
EOF
}

keystone_manage() {
  # As the keystone user: a root-owned keystone.log would break the uwsgi workers later.
  runuser -u keystone -- keystone-manage --config-file "$KEYSTONE_CONF" "$@" >>"$LOG_DIR/keystone-manage.log" 2>&1 9>&-
}

setup_keystone() {
  write_keystone_conf >"$ETC_DIR/keystone.conf"
  chmod 0600 "$ETC_DIR/keystone.conf"
  if install_if_changed "$ETC_DIR/keystone.conf" "$KEYSTONE_CONF" 0640 root:keystone; then
    KEYSTONE_CONF_CHANGED=1
    step "wrote $KEYSTONE_CONF"
  fi
  write_keystone_uwsgi_ini >"$ETC_DIR/keystone-uwsgi.ini"
  # Each keystone-manage run costs seconds of Python start-up; the key set-ups need no database,
  # so they run beside db_sync.
  local jobs=() job
  if [[ ! -e /etc/keystone/fernet-keys/0 ]]; then
    step "keystone-manage fernet_setup"
    keystone_manage fernet_setup --keystone-user keystone --keystone-group keystone &
    jobs+=("$!")
  fi
  if [[ ! -e /etc/keystone/credential-keys/0 ]]; then
    step "keystone-manage credential_setup"
    keystone_manage credential_setup --keystone-user keystone --keystone-group keystone &
    jobs+=("$!")
  fi
  if ! db_synced keystone; then
    step "keystone-manage db_sync"
    keystone_manage db_sync || die "keystone-manage db_sync failed; see $LOG_DIR/keystone-manage.log"
  fi
  for job in "${jobs[@]}"; do
    wait "$job" || die "keystone-manage fernet_setup/credential_setup failed; see $LOG_DIR/keystone-manage.log"
  done
  local admins
  admins=$(sql <<<"SELECT COUNT(*) FROM keystone.local_user WHERE name='admin'")
  if [[ $admins == 0 || $FRESH_SECRETS == 1 ]]; then
    keystone_bootstrap
  fi
}

keystone_bootstrap() {
  step "keystone-manage bootstrap (admin / project admin / $REGION)"
  OS_BOOTSTRAP_PASSWORD=$ADMIN_PASS keystone_manage bootstrap \
    --bootstrap-username admin --bootstrap-project-name admin --bootstrap-role-name admin \
    --bootstrap-service-name keystone --bootstrap-region-id "$REGION" \
    --bootstrap-admin-url "$KEYSTONE_URL/v3/" --bootstrap-internal-url "$KEYSTONE_URL/v3/" \
    --bootstrap-public-url "$KEYSTONE_URL/v3/" ||
    die "keystone-manage bootstrap failed; see $LOG_DIR/keystone.log"
}

keystone_healthy() { [[ $(http_code "$KEYSTONE_URL/v3") == 200 ]]; }

# A service under uwsgi with its own ini (Keystone, Horizon): kept when running and its config is
# unchanged, else (re)started and waited for. $1 name, $2 process title, $3 port, $4 "1" when its
# config changed, $5 health function, $6 what the health check asks, $7 its URL, then log files to
# show when it does not come up.
start_uwsgi_service() {
  local name=$1 proc=$2 port=$3 changed=$4 healthy=$5 probe=$6 url=$7 pid
  shift 7
  if pid=$(read_pid "$name" "$proc"); then
    if ((changed)); then
      step "$name config changed: restarting $name (pid $pid)"
      stop_recorded "$name" "$proc"
    else
      wait_until 30 "$healthy" || die "$name (pid $pid) does not answer $probe"
      step "$name running (pid $pid)"
      return
    fi
  fi
  require_port_free "$port" "$name"
  rm -f "$RUN_DIR/$name.pid"
  uwsgi --ini "$ETC_DIR/$name-uwsgi.ini" >>"$LOG_DIR/$name-uwsgi.log" 2>&1 9>&- ||
    die "uwsgi for $name failed to start; see $LOG_DIR/$name-uwsgi.log"
  if ! wait_until 60 "$healthy"; then
    tail -n 30 "$LOG_DIR/$name-uwsgi.log" "$@" >&2 || true
    die "$name did not answer $probe within 60 s"
  fi
  pid=$(read_pid "$name" "$proc") || die "$name answers but its pid file $RUN_DIR/$name.pid is missing"
  chmod 0644 "$RUN_DIR/$name.pid"
  step "$name started (uwsgi pid $pid, $url)"
}

start_keystone() {
  start_uwsgi_service keystone "$KEYSTONE_PROC" "$KEYSTONE_PORT" "$KEYSTONE_CONF_CHANGED" keystone_healthy \
    "GET $KEYSTONE_URL/v3" "$KEYSTONE_URL" "$LOG_DIR/keystone.log"
}

# Prints a project-scoped token, or fails. Secrets travel through the environment and stdin only.
issue_token() {
  local user=$1 password=$2 project=$3 body
  body=$(KS_USER=$user KS_PASS=$password KS_PROJECT=$project jq -n '{auth: {
      identity: {methods: ["password"], password: {user: {name: env.KS_USER, domain: {id: "default"},
        password: env.KS_PASS}}},
      scope: {project: {name: env.KS_PROJECT, domain: {id: "default"}}}}}')
  printf '%s' "$body" |
    curl -s -m 20 -o /dev/null -D - -H 'Content-Type: application/json' --data-binary @- \
      "$KEYSTONE_URL/v3/auth/tokens" 2>/dev/null |
    awk 'tolower($1) == "x-subject-token:" { sub(/\r$/, "", $2); print $2; found = 1 } END { exit !found }'
}

use_admin_token() {
  local token
  token=$(issue_token admin "$ADMIN_PASS" admin) || return 1
  [[ -n $TOKEN_HEADER_FILE ]] || TOKEN_HEADER_FILE=$(mktemp "$SECRETS_DIR/.token.XXXXXX")
  printf 'X-Auth-Token: %s\n' "$token" >"$TOKEN_HEADER_FILE"
}

# authed_call, ks_api, ensure_project, ensure_user, role_id: shared with newest.sh.
LAB_LOG_PREFIX=lab
# shellcheck source=keystone-api.sh
source "$(dirname "$SELF")/keystone-api.sh"

# glance_call METHOD PATH [curl args...]: a Glance call with the admin token; prints the body.
glance_call() {
  local method=$1 path=$2
  shift 2
  authed_call "$method" "$GLANCE_URL$path" "$@"
}

ensure_endpoint() {
  local service_id=$1 interface=$2 url=$3 current id
  current=$(ks_api GET "/endpoints?service_id=$service_id&interface=$interface" |
    jq -r '.endpoints[0] | select(. != null) | "\(.id) \(.url)"')
  if [[ -z $current ]]; then
    ks_api POST /endpoints "$(jq -n --arg s "$service_id" --arg i "$interface" --arg u "$url" --arg r "$REGION" \
      '{endpoint: {service_id: $s, interface: $i, url: $u, region_id: $r, enabled: true}}')" >/dev/null
  elif [[ ${current#* } != "$url" ]]; then
    id=${current%% *}
    ks_api PATCH "/endpoints/$id" "$(jq -n --arg u "$url" '{endpoint: {url: $u}}')" >/dev/null
  fi
}

provision_identity() {
  if ! use_admin_token; then
    step "admin cannot log in with the lab password: re-running bootstrap"
    keystone_bootstrap
    use_admin_token || die "admin still cannot get a token from $KEYSTONE_URL; see $LOG_DIR/keystone.log"
  fi
  local service_project demo_project admin_role member_role glance_user demo_user image_service
  service_project=$(ensure_project service 'Service users of the glance-harness lab')
  demo_project=$(ensure_project demo 'Non-admin project of the glance-harness lab')
  admin_role=$(role_id admin)
  member_role=$(role_id member)
  [[ -n $admin_role && -n $member_role ]] || die "keystone has no admin/member role (bootstrap incomplete?)"
  glance_user=$(ensure_user glance "$GLANCE_PASS" "$service_project")
  demo_user=$(ensure_user demo "$DEMO_PASS" "$demo_project")
  ks_api PUT "/projects/$service_project/users/$glance_user/roles/$admin_role" >/dev/null
  ks_api PUT "/projects/$demo_project/users/$demo_user/roles/$member_role" >/dev/null
  image_service=$(ks_api GET '/services?type=image' | jq -r '.services[0].id // empty')
  if [[ -z $image_service ]]; then
    image_service=$(ks_api POST /services \
      '{"service": {"type": "image", "name": "glance", "description": "OpenStack Image (glance-harness lab)", "enabled": true}}' |
      jq -r .service.id)
  fi
  local interface
  for interface in public internal admin; do
    ensure_endpoint "$image_service" "$interface" "$GLANCE_URL"
  done
  step "identity: project service + user glance (admin), project demo + user demo (member), image endpoints $GLANCE_URL"
}

# ---------------------------------------------------------------------------------------------
# Glance

# $1: the [keystone_authtoken] password (a fault writes a wrong one).
write_glance_conf() {
  local authtoken_password=$1
  cat <<EOF
# glance-api.conf for the glance-harness lab; $GENERATED_MARK on every 'lab up'.
# The package's own file is kept in $PRISTINE_DIR$GLANCE_CONF ('lab down --purge' puts it back).
[DEFAULT]
bind_host = $HOST
bind_port = $GLANCE_PORT
workers = 2
# Multi-store form: /v2/info/stores answers 200 (the deprecated [glance_store] stores form gives 404).
enabled_backends = fs:file

[database]
connection = mysql+pymysql://glance:$GLANCE_DB_PASS@$HOST/glance

[glance_store]
default_backend = fs

[fs]
filesystem_store_datadir = $STORE_DIR/

[os_glance_staging_store]
filesystem_store_datadir = $STAGING_DIR/

[os_glance_tasks_store]
filesystem_store_datadir = $TASKS_DIR/

[paste_deploy]
flavor = keystone

[keystone_authtoken]
www_authenticate_uri = $KEYSTONE_URL
auth_url = $KEYSTONE_URL
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = service
username = glance
password = $authtoken_password
region_name = $REGION

[oslo_concurrency]
lock_path = /var/lock/glance
EOF
}

# $1 password, $2 file name under $ETC_DIR (the good one stays apart from a faulty one).
# Returns 0 when the installed file changed.
install_glance_conf() {
  local generated=$ETC_DIR/${2:-glance-api.conf}
  write_glance_conf "$1" >"$generated"
  chmod 0600 "$generated"
  install_if_changed "$generated" "$GLANCE_CONF" 0640 root:glance
}

glance_manage() {
  runuser -u glance -- glance-manage --config-file "$GLANCE_CONF" "$@" >>"$LOG_DIR/glance-manage.log" 2>&1 9>&-
}

glance_db_sync() {
  glance_manage db_sync || die "glance-manage db_sync failed; see $LOG_DIR/glance-manage.log"
  local namespaces
  namespaces=$(sql <<<'SELECT COUNT(*) FROM glance.metadef_namespaces')
  if [[ $namespaces == 0 ]]; then
    # db_sync leaves the metadef catalog empty; the metadefs API (and Horizon) expect it loaded.
    glance_manage db_load_metadefs || die "glance-manage db_load_metadefs failed; see $LOG_DIR/glance-manage.log"
  fi
}

# Writes the config and, when the schema is missing, starts db_sync in the background (it needs
# only MariaDB, so it overlaps Keystone's set-up); finish_glance_sync waits for it.
GLANCE_SYNC_PID=''
setup_glance() {
  if install_glance_conf "$GLANCE_PASS"; then
    GLANCE_CONF_CHANGED=1
    step "wrote $GLANCE_CONF"
  fi
  if ! db_synced glance; then
    step "glance-manage db_sync + db_load_metadefs (in the background)"
    glance_db_sync &
    GLANCE_SYNC_PID=$!
  fi
}

finish_glance_sync() {
  [[ -n $GLANCE_SYNC_PID ]] || return 0
  wait "$GLANCE_SYNC_PID" || die "the glance database set-up failed; see $LOG_DIR/glance-manage.log"
  GLANCE_SYNC_PID=''
  step "glance database synced"
}

glance_healthy() { [[ $(http_code "$GLANCE_URL/healthcheck") == 200 ]]; }

glance_starting() {
  glance_healthy && return 0
  read_pid glance-api glance-api >/dev/null || return 2
  return 1
}

start_glance() {
  local pid
  if pid=$(read_pid glance-api glance-api); then
    if ((GLANCE_CONF_CHANGED)); then
      step "glance config changed: restarting glance-api (pid $pid)"
      stop_recorded glance-api glance-api
    else
      wait_until 30 glance_healthy || die "glance-api (pid $pid) does not answer GET /healthcheck"
      step "glance-api running (pid $pid)"
      return
    fi
  fi
  require_port_free "$GLANCE_PORT" glance-api
  start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$RUN_DIR/glance-api.pid" \
    --chuid glance:glance --chdir /var/lib/glance --output "$LOG_DIR/glance-api.stdout.log" \
    --startas /usr/bin/glance-api -- --config-file "$GLANCE_CONF" --log-file "$LOG_DIR/glance-api.log" 9>&- ||
    die "start-stop-daemon could not start glance-api"
  local i rc
  for ((i = 0; i < 360; i++)); do
    rc=0
    glance_starting || rc=$?
    ((rc == 0)) && break
    # start-stop-daemon --background returns before its child has written the pid file and exec'd
    # glance-api: on a loaded machine that takes a while, so "no glance-api" counts only after 5 s.
    if ((rc == 2 && i >= 20)); then
      tail -n 30 "$LOG_DIR/glance-api.log" "$LOG_DIR/glance-api.stdout.log" >&2 || true
      die "glance-api exited while starting; see $LOG_DIR/glance-api.log"
    fi
    sleep 0.25
  done
  glance_healthy || die "glance-api did not answer GET $GLANCE_URL/healthcheck within 90 s"
  pid=$(read_pid glance-api glance-api)
  step "glance-api started (pid $pid, $GLANCE_URL)"
}

restart_glance() {
  stop_recorded glance-api glance-api
  start_glance
}

# ---------------------------------------------------------------------------------------------
# nginx

# $1: client_max_body_size (0 = unlimited; a fault sets 1m).
write_nginx_conf() {
  local body_limit=$1
  cat <<EOF
# nginx in front of glance-api for the glance-harness lab: $HOST:$PROXY_PORT -> $HOST:$GLANCE_PORT.
user www-data;
worker_processes 2;
pid $RUN_DIR/nginx.pid;
error_log $LOG_DIR/nginx-error.log;

events {
    worker_connections 1024;
}

http {
    access_log $LOG_DIR/nginx-access.log;
    client_body_temp_path $NGINX_TMP_DIR/body;
    proxy_temp_path $NGINX_TMP_DIR/proxy;
    fastcgi_temp_path $NGINX_TMP_DIR/fastcgi;
    uwsgi_temp_path $NGINX_TMP_DIR/uwsgi;
    scgi_temp_path $NGINX_TMP_DIR/scgi;

    server {
        listen $HOST:$PROXY_PORT;
        server_name glance-lab;

        # Image uploads have no size limit here and stream to glance-api as they arrive;
        # buffering them would put whole images on the proxy's disk first.
        client_max_body_size $body_limit;
        proxy_request_buffering off;
        proxy_buffering off;

        location / {
            proxy_pass $GLANCE_URL;
            proxy_http_version 1.1;
            # Glance builds version links from the Host header.
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_read_timeout 600s;
            proxy_send_timeout 600s;
        }
    }
}
EOF
}

nginx_healthy() { [[ $(http_code "$PROXY_URL/") == 300 ]]; }

# Returns 0 when the config file changed.
install_nginx_conf() {
  write_nginx_conf "$1" >"$ETC_DIR/nginx.conf.new"
  if cmp -s "$ETC_DIR/nginx.conf.new" "$ETC_DIR/nginx.conf" 2>/dev/null; then
    rm -f "$ETC_DIR/nginx.conf.new"
    return 1
  fi
  nginx -t -q -c "$ETC_DIR/nginx.conf.new" 9>&- || die "nginx rejects the generated config $ETC_DIR/nginx.conf.new"
  mv "$ETC_DIR/nginx.conf.new" "$ETC_DIR/nginx.conf"
  chmod 0644 "$ETC_DIR/nginx.conf"
}

reload_nginx() {
  local pid old=() new=() i
  pid=$(read_pid nginx 'nginx: master') || die "nginx is not running"
  mapfile -t old < <(pgrep -P "$pid" || true)
  kill -HUP "$pid"
  # The reload is done when the old workers have been replaced.
  for ((i = 0; i < 40; i++)); do
    sleep 0.25
    mapfile -t new < <(pgrep -P "$pid" || true)
    ((${#new[@]} > 0)) && [[ ${new[*]} != "${old[*]}" ]] && ! alive_any "${old[@]}" && return 0
  done
  warn "nginx (pid $pid) has not replaced its workers 10 s after SIGHUP; see $LOG_DIR/nginx-error.log"
}

start_nginx() {
  local pid changed=0
  install_nginx_conf 0 && changed=1
  if pid=$(read_pid nginx 'nginx: master'); then
    if ((changed)); then
      reload_nginx
      step "nginx config changed: reloaded (pid $pid)"
    else
      step "nginx running (pid $pid)"
    fi
    return
  fi
  require_port_free "$PROXY_PORT" nginx
  rm -f "$RUN_DIR/nginx.pid"
  nginx -c "$ETC_DIR/nginx.conf" 9>&- || die "nginx failed to start; see $LOG_DIR/nginx-error.log"
  wait_until 20 nginx_healthy || die "nginx at $PROXY_URL does not pass GET / to glance-api (see $LOG_DIR/nginx-error.log)"
  pid=$(read_pid nginx 'nginx: master')
  step "nginx started (pid $pid, $PROXY_URL -> $GLANCE_URL)"
}

# ---------------------------------------------------------------------------------------------
# Horizon (up --with-horizon): Debian's openstack-dashboard under uwsgi, and chromium for the suite

HORIZON_CONF_CHANGED=0

horizon_enabled() { [[ -e $HORIZON_MARKER ]]; }

write_horizon_settings() {
  cat <<EOF
# $GENERATED_MARK on 'lab up --with-horizon' ('lab down --purge' removes it).
# Horizon on loopback against the lab's Keystone and Glance; executed after local_settings.py.
OPENSTACK_HOST = "$HOST"
OPENSTACK_KEYSTONE_URL = "$KEYSTONE_URL/v3"
OPENSTACK_KEYSTONE_MULTIDOMAIN_SUPPORT = False
OPENSTACK_KEYSTONE_DEFAULT_DOMAIN = "Default"
OPENSTACK_API_VERSIONS = {"identity": 3, "image": 2}
ALLOWED_HOSTS = ["$HOST", "localhost"]
# No memcached in the lab: file sessions and a per-process cache.
SESSION_ENGINE = "django.contrib.sessions.backends.file"
SESSION_FILE_PATH = "$LAB_DIR/horizon/sessions"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
HORIZON_IMAGES_UPLOAD_MODE = "$HORIZON_UPLOAD_MODE"
FILE_UPLOAD_TEMP_DIR = "$LAB_DIR/horizon/uploads"
# The default landing page (Project > Overview) needs Nova and answers 403 without it.
HORIZON_CONFIG["user_home"] = "/project/images/"
EOF
}

write_horizon_uwsgi_ini() {
  cat <<EOF
# uwsgi for Horizon in the glance-harness lab: loopback only, own pid and log.
[uwsgi]
plugins = python3
http-socket = $HOST:$HORIZON_PORT
chdir = /usr/share/openstack-dashboard
wsgi-file = /usr/share/openstack-dashboard/wsgi.py
static-map = /static=/var/lib/openstack-dashboard/static
procname-prefix = glance-lab-horizon-
uid = www-data
gid = www-data
master = true
processes = 2
threads = 2
enable-threads = true
lazy-apps = true
die-on-term = true
no-orphans = true
buffer-size = 65535
# Legacy-mode uploads pass through Horizon: no body limit, long timeouts.
limit-post = 0
socket-timeout = 600
add-header = Connection: close
# Without it the workers crash on every stop.
skip-atexit-teardown = true
pidfile = $RUN_DIR/horizon.pid
daemonize = $LOG_DIR/horizon-uwsgi.log
EOF
}

horizon_healthy() { [[ $(http_code "$HORIZON_URL/auth/login/") == 200 ]]; }

horizon_upload_mode() {
  sed -n 's/^HORIZON_IMAGES_UPLOAD_MODE = "\(.*\)"$/\1/p' "$HORIZON_DROPIN" 2>/dev/null | head -n 1
}

setup_horizon() {
  [[ $HORIZON_UPLOAD_MODE == legacy || $HORIZON_UPLOAD_MODE == direct ]] ||
    usage_error "GLANCE_HARNESS_LAB_HORIZON_UPLOAD_MODE must be legacy or direct (got '$HORIZON_UPLOAD_MODE')"
  local wanted=("${HORIZON_PACKAGES[@]}")
  command -v chromium >/dev/null 2>&1 || wanted+=(chromium)
  ensure_packages "${wanted[@]}"
  install -d -o www-data -g www-data -m 0700 "$LAB_DIR/horizon" "$LAB_DIR/horizon/sessions" "$LAB_DIR/horizon/uploads"
  write_horizon_settings >"$ETC_DIR/horizon-settings.py"
  if install_if_changed "$ETC_DIR/horizon-settings.py" "$HORIZON_DROPIN" 0644 root:root; then
    HORIZON_CONF_CHANGED=1
    step "wrote $HORIZON_DROPIN (upload mode $HORIZON_UPLOAD_MODE)"
  fi
  write_horizon_uwsgi_ini >"$ETC_DIR/horizon-uwsgi.ini.new"
  if cmp -s "$ETC_DIR/horizon-uwsgi.ini.new" "$ETC_DIR/horizon-uwsgi.ini" 2>/dev/null; then
    rm -f "$ETC_DIR/horizon-uwsgi.ini.new"
  else
    mv "$ETC_DIR/horizon-uwsgi.ini.new" "$ETC_DIR/horizon-uwsgi.ini"
    HORIZON_CONF_CHANGED=1
  fi
  touch "$HORIZON_MARKER"
}

start_horizon() {
  start_uwsgi_service horizon "$HORIZON_PROC" "$HORIZON_PORT" "$HORIZON_CONF_CHANGED" horizon_healthy \
    "GET $HORIZON_URL/auth/login/" "$HORIZON_URL"
}

# The status row, only once Horizon was asked for (or runs); returns 1 when it does not answer.
report_horizon_status() {
  local pid code
  pid=$(read_pid horizon "$HORIZON_PROC") || pid=-
  horizon_enabled || [[ $pid != - ]] || return 0
  code=$(http_code "$HORIZON_URL/auth/login/")
  if [[ $code == 200 ]]; then
    printf '%-9s %-8s %-6s %s\n' horizon "$pid" "$HORIZON_PORT" "ok (GET /auth/login/ 200, upload mode $(horizon_upload_mode))"
  else
    printf '%-9s %-8s %-6s %s\n' horizon "$pid" "$HORIZON_PORT" "DOWN (GET /auth/login/ -> $code)"
    return 1
  fi
}

# ---------------------------------------------------------------------------------------------
# client files

write_openrc() {
  local user=$1 password=$2 project=$3
  cat <<EOF
# OpenStack credentials for the glance-harness lab ($user in project $project).
# Use: . $LAB_DIR/openrc-$user && openstack image list
export OS_AUTH_URL=$KEYSTONE_URL/v3
export OS_IDENTITY_API_VERSION=3
export OS_AUTH_TYPE=password
export OS_USERNAME=$user
export OS_PASSWORD=$password
export OS_PROJECT_NAME=$project
export OS_USER_DOMAIN_NAME=Default
export OS_PROJECT_DOMAIN_NAME=Default
export OS_REGION_NAME=$REGION
export OS_INTERFACE=public
export OS_IMAGE_API_VERSION=2
EOF
}

write_cloud() {
  local name=$1 user=$2 password=$3 project=$4 override=${5:-}
  cat <<EOF
  $name:
    auth:
      auth_url: $KEYSTONE_URL/v3
      username: $user
      password: "$password"
      project_name: $project
      user_domain_name: Default
      project_domain_name: Default
    region_name: $REGION
    interface: public
    identity_api_version: 3
    image_api_version: 2
EOF
  [[ -z $override ]] || printf '    image_endpoint_override: %s\n' "$override"
}

write_client_files() {
  (
    umask 077
    write_openrc admin "$ADMIN_PASS" admin >"$OPENRC_ADMIN"
    write_openrc demo "$DEMO_PASS" demo >"$OPENRC_DEMO"
    {
      printf '# Clouds of the glance-harness lab. Use: OS_CLIENT_CONFIG_FILE=%s openstack --os-cloud glance-lab-admin image list\n' \
        "$CLOUDS_YAML"
      printf '# glance-lab-proxy-admin reaches Glance through nginx (%s) instead of the catalog URL.\n' "$PROXY_URL"
      printf 'clouds:\n'
      write_cloud glance-lab-admin admin "$ADMIN_PASS" admin
      write_cloud glance-lab-demo demo "$DEMO_PASS" demo
      write_cloud glance-lab-proxy-admin admin "$ADMIN_PASS" admin "$PROXY_URL"
    } >"$CLOUDS_YAML"
    printf 'mysql://glance_harness_ro:%s@%s:%s/glance\n' "$READONLY_DB_PASS" "$HOST" "$DB_PORT" >"$DB_READONLY_URL_FILE"
  )
  chmod 0600 "$OPENRC_ADMIN" "$OPENRC_DEMO" "$CLOUDS_YAML" "$DB_READONLY_URL_FILE"
}

# ---------------------------------------------------------------------------------------------
# health

# An authenticated round trip: admin token, then GET /v2/images straight and through nginx.
api_code() {
  local base=$1 token
  token=$(issue_token admin "$ADMIN_PASS" admin) || {
    printf 'no-token'
    return
  }
  printf '%s' "$token" | sed 's/^/X-Auth-Token: /' | HTTP_TIMEOUT=10 http_code -H @- "$base/v2/images?limit=1"
}

store_problem() {
  [[ -d $STORE_DIR ]] || {
    printf 'missing'
    return
  }
  if mountpoint -q "$STORE_DIR"; then
    printf 'is a mount point (%s)' "$(findmnt -n -o FSTYPE,SIZE,AVAIL "$STORE_DIR" 2>/dev/null | tr -s ' ')"
    return
  fi
  runuser -u glance -- test -w "$STORE_DIR" || {
    printf 'not writable by glance (%s)' "$(stat -c '%A %U:%G' "$STORE_DIR")"
    return
  }
  return 0
}

# Prints a status table; returns 0 when everything is healthy.
report_status() {
  local ok=0 pid code problem
  printf '%-9s %-8s %-6s %s\n' SERVICE PID PORT HEALTH
  if pid=$(mariadb_pid) && mariadb_alive; then
    printf '%-9s %-8s %-6s %s\n' mariadb "$pid" "$DB_PORT" "ok (mysqladmin ping)"
  else
    printf '%-9s %-8s %-6s %s\n' mariadb "${pid:--}" "$DB_PORT" "DOWN (mysqladmin ping fails)"
    ok=1
  fi
  pid=$(read_pid keystone "$KEYSTONE_PROC") || pid=-
  code=$(http_code "$KEYSTONE_URL/v3")
  if [[ $code == 200 ]]; then
    printf '%-9s %-8s %-6s %s\n' keystone "$pid" "$KEYSTONE_PORT" "ok (GET /v3 200)"
  else
    printf '%-9s %-8s %-6s %s\n' keystone "$pid" "$KEYSTONE_PORT" "DOWN (GET /v3 -> $code)"
    ok=1
  fi
  pid=$(read_pid glance-api glance-api) || pid=-
  code=$(http_code "$GLANCE_URL/healthcheck")
  if [[ $code == 200 ]]; then
    printf '%-9s %-8s %-6s %s\n' glance "$pid" "$GLANCE_PORT" "ok (GET /healthcheck 200)"
  else
    printf '%-9s %-8s %-6s %s\n' glance "$pid" "$GLANCE_PORT" "DOWN (GET /healthcheck -> $code)"
    ok=1
  fi
  pid=$(read_pid nginx 'nginx: master') || pid=-
  code=$(http_code "$PROXY_URL/")
  if [[ $code == 300 ]]; then
    printf '%-9s %-8s %-6s %s\n' nginx "$pid" "$PROXY_PORT" "ok (GET / through the proxy 300)"
  else
    printf '%-9s %-8s %-6s %s\n' nginx "$pid" "$PROXY_PORT" "DOWN (GET / through the proxy -> $code)"
    ok=1
  fi
  if [[ -r $PASSWORDS_FILE ]]; then
    load_secrets
    local direct proxied
    direct=$(api_code "$GLANCE_URL")
    proxied=$(api_code "$PROXY_URL")
    if [[ $direct == 200 && $proxied == 200 ]]; then
      printf '%-9s %-8s %-6s %s\n' api - - "ok (admin token, GET /v2/images 200 direct and through nginx)"
    else
      printf '%-9s %-8s %-6s %s\n' api - - "FAILING (admin token, GET /v2/images: direct $direct, nginx $proxied)"
      ok=1
    fi
  else
    printf '%-9s %-8s %-6s %s\n' api - - "not set up ($PASSWORDS_FILE missing; run 'lab up')"
    ok=1
  fi
  problem=$(store_problem) || true
  if [[ -z $problem ]]; then
    printf '%-9s %-8s %-6s %s\n' store - - "ok ($STORE_DIR writable by glance, $(df -h --output=avail "$STORE_DIR" | tail -n 1 | tr -d ' ') free)"
  else
    printf '%-9s %-8s %-6s %s\n' store - - "PROBLEM ($STORE_DIR $problem)"
    ok=1
  fi
  report_horizon_status || ok=1
  local fault
  if fault=$(active_fault); then
    printf 'fault: %s is active (lab restore undoes it)\n' "$fault"
    ok=1
  else
    printf 'fault: none\n'
  fi
  return "$ok"
}

# Healthy, allowing a few seconds for services that just came back to reconnect.
wait_healthy() {
  local i
  for ((i = 0; i < ${1:-20}; i++)); do
    report_status >/dev/null 2>&1 && return 0
    sleep 1
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# faults

active_fault() {
  [[ -s $FAULT_FILE ]] || return 1
  head -n 1 "$FAULT_FILE"
}

is_fault() {
  local f
  for f in "${FAULTS[@]}"; do [[ $f == "$1" ]] && return 0; done
  return 1
}

explain() {
  printf '  did:         %s\n' "$1"
  printf '  client sees: %s\n' "$2"
  shift 2
  local c
  for c; do printf '  confirm:     %s\n' "$c"; done
}

# Mounts a small filesystem over $1: tmpfs when the kernel lets us, else a loop-mounted ext4 file.
mount_small_fs() {
  local dir=$1 size_mb=$2 uid gid
  uid=$(id -u glance)
  gid=$(id -g glance)
  if [[ ${GLANCE_HARNESS_LAB_STORE_FS:-tmpfs} == tmpfs ]] &&
    mount -t tmpfs -o "size=${size_mb}m,mode=0750,uid=$uid,gid=$gid" glance-lab-store "$dir" 2>/dev/null; then
    printf 'tmpfs\n' >"$RUN_DIR/store-mount"
    STORE_FS_DESCRIPTION="${size_mb} MiB tmpfs"
    return 0
  fi
  local image=$LAB_DIR/store-fs.img
  rm -f "$image"
  truncate -s "${size_mb}M" "$image"
  mkfs.ext4 -q -F -m 0 "$image" >/dev/null
  mount -o loop "$image" "$dir" || die "cannot mount tmpfs or a loop ext4 file at $dir in this sandbox"
  rmdir "$dir/lost+found" 2>/dev/null || true
  chown glance:glance "$dir"
  chmod 0750 "$dir"
  printf 'loop %s\n' "$image" >"$RUN_DIR/store-mount"
  STORE_FS_DESCRIPTION="${size_mb} MiB loop-mounted ext4 file ($image)"
}

unmount_store() {
  if mountpoint -q "$STORE_DIR"; then
    umount "$STORE_DIR" 2>/dev/null || umount -l "$STORE_DIR"
  fi
  local kind='' image=''
  [[ ! -r $RUN_DIR/store-mount ]] || read -r kind image <"$RUN_DIR/store-mount" || true
  [[ $kind != loop || -z $image ]] || rm -f "$image"
  rm -f "$RUN_DIR/store-mount"
}

break_db_not_synced() {
  sql <<<'DROP DATABASE glance; CREATE DATABASE glance;'
  explain "dropped and re-created the glance database (empty, grants kept): every image record is gone" \
    "GET /v2/images -> 500 (generic HTML body); GET / -> 300 and GET /healthcheck -> 200 still" \
    "mysql -e 'SHOW TABLES FROM glance'   # empty" \
    "grep -c \"Table 'glance.images' doesn't exist\" $LOG_DIR/glance-api.log"
}
unbreak_db_not_synced() {
  step "glance-manage db_sync + db_load_metadefs"
  glance_db_sync
  # The records are gone, so whatever the store still holds belongs to no image.
  local files=("$STORE_DIR"/*)
  if ((${#files[@]})); then
    rm -f -- "${files[@]}"
    step "removed ${#files[@]} orphaned image file(s) from $STORE_DIR"
  fi
}

break_db_down() {
  service mariadb stop >>"$LOG_DIR/mariadb-service.log" 2>&1 9>&- || die "service mariadb stop failed"
  explain "stopped MariaDB (service mariadb stop)" \
    "Glance API calls that reach the DB -> 500 within ~20 ms (GET / 300, /healthcheck 200); Keystone cannot issue or validate tokens" \
    "mysqladmin ping   # fails: Can't connect to local server through socket" \
    "grep -c \"Can't connect to MySQL server\" $LOG_DIR/glance-api.log"
}
unbreak_db_down() {
  mariadb_alive || start_mariadb
  step "mariadb started again"
}

break_keystone_service_password_wrong() {
  install_glance_conf "wrong-$(openssl rand -hex 8)" glance-api.conf.fault >/dev/null || true
  restart_glance
  explain "set a wrong [keystone_authtoken] password in $GLANCE_CONF and restarted glance-api" \
    "every token-bearing Glance request -> 401 with WWW-Authenticate: Keystone uri=... (~0.5 s; delay_auth_decision = true in Debian's paste ini)" \
    "grep -c 'Identity server rejected authorization' $LOG_DIR/glance-api.log" \
    "openstack --os-auth-url $KEYSTONE_URL/v3 --os-username glance --os-project-name service --os-user-domain-name Default --os-project-domain-name Default --os-password \"\$(sed -n 's/^password = //p' $GLANCE_CONF)\" token issue   # HTTP 401"
}
unbreak_keystone_service_password_wrong() {
  rm -f "$ETC_DIR/glance-api.conf.fault"
  install_glance_conf "$GLANCE_PASS" >/dev/null || true
  restart_glance
}

break_keystone_down() {
  stop_recorded keystone "$KEYSTONE_PROC"
  explain "stopped Keystone (uwsgi master, by recorded pid)" \
    "new tokens: connection refused on :$KEYSTONE_PORT; Glance with a token it has not cached -> 401 after ~3.5 s; a cached token still works" \
    "curl -s $KEYSTONE_URL/v3   # connection refused" \
    "grep -c 'Unable to establish connection' $LOG_DIR/glance-api.log"
}
unbreak_keystone_down() { start_keystone; }

# glance-api.conf without [paste_deploy] flavor: Debian's paste ini then builds the pipeline
# without keystonemiddleware, and the unauthenticated context serves every request as an admin.
break_auth_disabled() {
  write_glance_conf "$GLANCE_PASS" | sed -e '/^flavor = keystone$/d' >"$ETC_DIR/glance-api.conf.fault"
  chmod 0600 "$ETC_DIR/glance-api.conf.fault"
  install_if_changed "$ETC_DIR/glance-api.conf.fault" "$GLANCE_CONF" 0640 root:glance || true
  restart_glance
  explain "removed flavor = keystone from [paste_deploy] in $GLANCE_CONF and restarted glance-api" \
    "GET /v2/images -> 200 without a token and with a forged one (an admin context with no user or project); token-bearing calls pass as before" \
    "curl -s -o /dev/null -w '%{http_code}\\n' $GLANCE_URL/v2/images   # 200 (401 when healthy)" \
    "sed -n '/^\\[paste_deploy\\]/,/^\\[/p' $GLANCE_CONF   # no flavor line"
}
# The lab's own glance-api.conf back in place of a fault's, and glance-api restarted on it.
restore_glance_conf() {
  rm -f "$ETC_DIR/glance-api.conf.fault"
  install_glance_conf "$GLANCE_PASS" >/dev/null || true
  restart_glance
}
unbreak_auth_disabled() { restore_glance_conf; }

break_glance_down() {
  stop_recorded glance-api glance-api
  explain "stopped glance-api (by recorded pid); nginx keeps running" \
    "direct :$GLANCE_PORT -> connection refused; through nginx :$PROXY_PORT -> 502 Bad Gateway (nginx HTML, Server: nginx)" \
    "curl -si $PROXY_URL/v2/images | head -n 3" \
    "grep -c 'connect() failed (111' $LOG_DIR/nginx-error.log"
}
unbreak_glance_down() { start_glance; }

break_store_unwritable() {
  chmod 0555 "$STORE_DIR"
  explain "chmod 0555 $STORE_DIR (owner glance keeps read, loses write)" \
    "PUT /v2/images/{id}/file -> 503 'Insufficient permissions on image storage media'; the image goes back to queued" \
    "runuser -u glance -- touch $STORE_DIR/probe   # Permission denied" \
    "stat -c '%A %U:%G' $STORE_DIR"
}
unbreak_store_unwritable() { chmod 0750 "$STORE_DIR"; }

break_store_removed() {
  if [[ -e $STORE_REMOVED_DIR ]]; then
    local stale
    stale=$STORE_REMOVED_DIR.$(date +%Y%m%d%H%M%S)
    mv "$STORE_REMOVED_DIR" "$stale"
    warn "an earlier $STORE_REMOVED_DIR was left behind; moved it to $stale"
  fi
  mv "$STORE_DIR" "$STORE_REMOVED_DIR"
  explain "renamed $STORE_DIR to $STORE_REMOVED_DIR under the running glance-api" \
    "PUT /v2/images/{id}/file -> 500 (generic body), image back to queued; downloading an existing image -> 204 with an empty body" \
    "ls -ld $STORE_DIR   # No such file or directory" \
    "grep -c FileNotFoundError $LOG_DIR/glance-api.log"
}
unbreak_store_removed() {
  if [[ -d $STORE_REMOVED_DIR ]]; then
    if [[ -d $STORE_DIR ]]; then
      # Something (a glance-api restart) re-created the directory: keep what landed in it.
      local f
      for f in "$STORE_DIR"/*; do mv -n -- "$f" "$STORE_REMOVED_DIR/"; done
      rmdir "$STORE_DIR"
    fi
    mv "$STORE_REMOVED_DIR" "$STORE_DIR"
  fi
  [[ -d $STORE_DIR ]] || install -d -o glance -g glance -m 0750 "$STORE_DIR"
}

break_store_full() {
  mount_small_fs "$STORE_DIR" 16
  dd if=/dev/zero of="$STORE_DIR/.lab-filler" bs=1M status=none 2>/dev/null || true
  dd if=/dev/zero of="$STORE_DIR/.lab-filler-tail" bs=4k status=none 2>/dev/null || true
  explain "mounted a $STORE_FS_DESCRIPTION at $STORE_DIR and filled it (existing images are hidden meanwhile)" \
    "PUT /v2/images/{id}/file -> 413 'Image storage media is full'; the image goes back to queued" \
    "df -h $STORE_DIR   # 100% used" \
    "findmnt $STORE_DIR"
}
unbreak_store_full() { unmount_store; }

break_store_mount_lost() {
  mount_small_fs "$STORE_DIR" 1024
  nohup setsid /bin/bash "$SELF" __watch-store-mount "$STORE_DIR" >>"$LOG_DIR/fault-watcher.log" 2>&1 9>&- </dev/null &
  printf '%s\n' "$!" >"$RUN_DIR/watcher.pid"
  explain "mounted a $STORE_FS_DESCRIPTION at $STORE_DIR; a watcher (pid $!) lazily unmounts it (umount -l) as soon as the next upload starts writing, like storage lost under a live glance-api" \
    "the upload still ends 204 and the image is active with size and checksum, but its data is gone: download -> 204 with an empty body" \
    "findmnt $STORE_DIR   # mounted before the upload, gone after" \
    "ls -l $STORE_DIR/<image id>   # No such file" \
    "grep -c 'Glance tried all active locations' $LOG_DIR/glance-api.log"
}
unbreak_store_mount_lost() {
  local pid
  if pid=$(read_pid watcher __watch-store-mount); then
    kill "$pid" 2>/dev/null || true
  fi
  rm -f "$RUN_DIR/watcher.pid"
  unmount_store
  report_lost_images
}

# Active images whose file is not in the store any more (what a lost mount leaves behind).
report_lost_images() {
  local id url lost=()
  while read -r id url; do
    [[ $url == file://* ]] || continue
    [[ -e ${url#file://} ]] || lost+=("$id")
  done < <(sql <<<"SELECT i.id, l.value FROM glance.images i JOIN glance.image_locations l ON l.image_id = i.id
    WHERE i.deleted = 0 AND l.deleted = 0 AND i.status = 'active'" 2>/dev/null || true)
  if ((${#lost[@]})); then
    say "  note: ${#lost[@]} active image(s) lost their data while the fault was on: ${lost[*]}"
    say "        delete them: . $OPENRC_ADMIN && openstack image delete ${lost[*]}"
  fi
}

break_proxy_body_limit() {
  install_nginx_conf 1m || true
  reload_nginx
  explain "set client_max_body_size 1m in $ETC_DIR/nginx.conf and reloaded nginx (SIGHUP)" \
    "uploads over 1 MiB through :$PROXY_PORT -> 413 Request Entity Too Large (nginx HTML, Server: nginx); direct :$GLANCE_PORT still 204" \
    "grep client_max_body_size $ETC_DIR/nginx.conf" \
    "grep -c 'client intended to send too large body' $LOG_DIR/nginx-error.log"
}
unbreak_proxy_body_limit() {
  install_nginx_conf 0 || true
  reload_nginx
}

# A schema half migrated: one table moved out of the glance database. alembic_version still names the
# current head, so `glance-manage db_sync` finds nothing to do.
break_db_half_migrated() {
  sql <<<"CREATE DATABASE IF NOT EXISTS $FAULT_DB; RENAME TABLE glance.$HALF_MIGRATED_TABLE TO $FAULT_DB.$HALF_MIGRATED_TABLE;"
  explain "moved glance.$HALF_MIGRATED_TABLE out of the glance database (alembic_version untouched)" \
    "GET /v2/images -> 500 at once (generic body, request id); GET /v2/metadefs/namespaces and GET /v2/tasks -> 200" \
    "mysql -e \"SHOW TABLES FROM glance LIKE '$HALF_MIGRATED_TABLE'\"   # empty" \
    "grep -c \"Table 'glance.$HALF_MIGRATED_TABLE' doesn't exist\" $LOG_DIR/glance-api.log"
}
unbreak_db_half_migrated() {
  local moved
  moved=$(sql <<<"SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$FAULT_DB' AND TABLE_NAME = '$HALF_MIGRATED_TABLE'")
  if [[ $moved == 1 ]]; then
    sql <<<"RENAME TABLE $FAULT_DB.$HALF_MIGRATED_TABLE TO glance.$HALF_MIGRATED_TABLE;"
  fi
  sql <<<"DROP DATABASE IF EXISTS $FAULT_DB;"
}

image_service_id() { ks_api GET '/services?type=image' | jq -r '.services[0].id // empty'; }

# The public image endpoint names a port nothing listens on; internal and admin stay right, and
# glance-api keeps answering on its own port.
break_catalog_wrong_port() {
  ! (: </dev/tcp/$HOST/$DEAD_PORT) 2>/dev/null || die "something listens on $HOST:$DEAD_PORT; catalog-wrong-port needs it dead"
  use_admin_token || die "admin cannot get a token from $KEYSTONE_URL"
  local service
  service=$(image_service_id)
  [[ -n $service ]] || die "no image service in the catalog"
  ensure_endpoint "$service" public "http://$HOST:$DEAD_PORT"
  explain "pointed the public image endpoint at http://$HOST:$DEAD_PORT (nothing listens there); internal and admin stay $GLANCE_URL" \
    "clients using the public interface: connection refused; GET $GLANCE_URL/ still 300" \
    "openstack endpoint list --service image" \
    "curl -s $GLANCE_URL/ | head -c 80"
}
unbreak_catalog_wrong_port() {
  use_admin_token || die "admin cannot get a token from $KEYSTONE_URL"
  local service
  service=$(image_service_id)
  [[ -z $service ]] || ensure_endpoint "$service" public "$GLANCE_URL"
}

# Data lost under existing images while new uploads work: a 1 MiB image is stored, then an empty
# filesystem is mounted over the store (a mount that came back empty, or a different volume).
break_store_data_lost() {
  use_admin_token || die "admin cannot get a token from $KEYSTONE_URL"
  local id
  id=$(glance_call POST /v2/images -H 'Content-Type: application/json' --data-binary \
    '{"name": "lab-fault-store-data-lost", "disk_format": "raw", "container_format": "bare", "tags": ["glance-harness-lab"]}' |
    jq -r .id)
  [[ $id =~ ^[0-9a-f-]{36}$ ]] || die "could not create the image whose data the fault loses"
  printf '%s\n' "$id" >"$RUN_DIR/lost-image"
  head -c 1048576 /dev/urandom |
    glance_call PUT "/v2/images/$id/file" -H 'Content-Type: application/octet-stream' --data-binary @- >/dev/null ||
    die "could not upload the image whose data the fault loses"
  mount_small_fs "$STORE_DIR" 1024
  explain "stored image $id (1 MiB, active), then mounted an empty $STORE_FS_DESCRIPTION over $STORE_DIR" \
    "new uploads and downloads work; GET /v2/images/$id/file -> 204 with an empty body (active, size 1048576)" \
    "ls $STORE_DIR/$id   # No such file" \
    "findmnt $STORE_DIR"
}
unbreak_store_data_lost() {
  unmount_store
  local id=''
  [[ ! -r $RUN_DIR/lost-image ]] || read -r id <"$RUN_DIR/lost-image" || true
  if [[ -n $id ]] && use_admin_token; then
    glance_call DELETE "/v2/images/$id" >/dev/null || warn "could not delete image $id; delete it by hand"
  fi
  rm -f "$RUN_DIR/lost-image"
}

break_image_size_cap() {
  write_glance_conf "$GLANCE_PASS" |
    sed -e "/^workers = /a image_size_cap = $((SIZE_CAP_MIB * 1048576))" >"$ETC_DIR/glance-api.conf.fault"
  chmod 0600 "$ETC_DIR/glance-api.conf.fault"
  install_if_changed "$ETC_DIR/glance-api.conf.fault" "$GLANCE_CONF" 0640 root:glance || true
  restart_glance
  explain "set [DEFAULT] image_size_cap = $((SIZE_CAP_MIB * 1048576)) ($SIZE_CAP_MIB MiB) in $GLANCE_CONF and restarted glance-api" \
    "uploads up to $SIZE_CAP_MIB MiB work; larger ones -> 413 from Glance (request id), the image goes back to queued" \
    "grep image_size_cap $GLANCE_CONF" \
    "grep -c 'too large' $LOG_DIR/glance-api.log"
}
unbreak_image_size_cap() { restore_glance_conf; }

break_store_small() {
  mount_small_fs "$STORE_DIR" "$SMALL_STORE_MIB"
  explain "mounted an empty $STORE_FS_DESCRIPTION at $STORE_DIR (existing images are hidden meanwhile)" \
    "uploads that fit work; one larger than the free space -> 413 'Image storage media is full', the image goes back to queued" \
    "df -h $STORE_DIR" \
    "findmnt $STORE_DIR"
}
unbreak_store_small() { unmount_store; }

# --- swift-unmounted: a swift all-in-one whose only device is not mounted (mount_check = true), and
# Glance storing new images in it. Storage servers answer 507, the swift proxy 503; Glance's swift
# client retries for ~31 s, then the upload gets 500 and the image stays queued.

write_swift_server_conf() {
  local kind=$1 port=$2
  cat <<EOF
# $kind server of the lab's swift all-in-one; $GENERATED_MARK.
[DEFAULT]
bind_ip = $HOST
bind_port = $port
workers = 1
user = swift
swift_dir = $SWIFT_ETC
devices = $SWIFT_DEVICES
mount_check = true
log_name = lab-swift-$kind

[pipeline:main]
pipeline = $kind-server

[app:$kind-server]
use = egg:swift#$kind
EOF
}

write_swift_proxy_conf() {
  cat <<EOF
# proxy server of the lab's swift all-in-one; $GENERATED_MARK.
[DEFAULT]
bind_ip = $HOST
bind_port = $SWIFT_PROXY_PORT
workers = 1
user = swift
swift_dir = $SWIFT_ETC
log_name = lab-swift-proxy

[pipeline:main]
pipeline = catch_errors proxy-logging cache tempauth proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:tempauth]
use = egg:swift#tempauth
user_glance_glance = $SWIFT_KEY .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = $HOST:$MEMCACHED_PORT

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:proxy-logging]
use = egg:swift#proxy_logging
EOF
}

setup_swift() {
  if [[ -z $SWIFT_KEY ]]; then
    SWIFT_KEY=$(openssl rand -hex 16)
    printf 'SWIFT_KEY=%s\n' "$SWIFT_KEY" >>"$PASSWORDS_FILE"
  fi
  install -d -o swift -g swift -m 0755 "$LAB_DIR/swift" "$SWIFT_ETC" "$SWIFT_DEVICES" "$SWIFT_DEVICES/d1"
  if mountpoint -q "$SWIFT_DEVICES/d1"; then die "$SWIFT_DEVICES/d1 is a mount point; the fault needs it unmounted"; fi
  write_swift_server_conf account "$SWIFT_ACCOUNT_PORT" >"$SWIFT_ETC/account-server.conf"
  write_swift_server_conf container "$SWIFT_CONTAINER_PORT" >"$SWIFT_ETC/container-server.conf"
  write_swift_server_conf object "$SWIFT_OBJECT_PORT" >"$SWIFT_ETC/object-server.conf"
  write_swift_proxy_conf >"$SWIFT_ETC/proxy-server.conf"
  local ring port
  for ring in "account:$SWIFT_ACCOUNT_PORT" "container:$SWIFT_CONTAINER_PORT" "object:$SWIFT_OBJECT_PORT"; do
    port=${ring#*:}
    ring=${ring%%:*}
    [[ -s $SWIFT_ETC/$ring.ring.gz ]] && continue
    (
      cd "$SWIFT_ETC"
      swift-ring-builder "$ring.builder" create 6 1 1
      swift-ring-builder "$ring.builder" add "r1z1-$HOST:$port/d1" 100
      swift-ring-builder "$ring.builder" rebalance
    ) >>"$LOG_DIR/swift-rings.log" 2>&1 || die "swift-ring-builder failed for $ring; see $LOG_DIR/swift-rings.log"
  done
  chown -R swift:swift "$SWIFT_ETC"
  chmod 0640 "$SWIFT_ETC"/*.conf
  step "swift configs and rings in $SWIFT_ETC (device $SWIFT_DEVICES/d1 not mounted, mount_check = true)"
}

port_listening() { [[ -n $(port_holder "$1") ]]; }

# $1 name, $2 port, $3 binary, then its arguments: run in the foreground under start-stop-daemon.
start_swift_daemon() {
  local name=$1 port=$2 bin=$3
  shift 3
  if read_pid "$name" "$bin" >/dev/null; then return 0; fi
  require_port_free "$port" "$name"
  start-stop-daemon --start --quiet --background --make-pidfile --pidfile "$RUN_DIR/$name.pid" \
    --output "$LOG_DIR/$name.log" --startas "$bin" -- "$@" 9>&- || die "could not start $name"
  wait_until 20 port_listening "$port" || die "$name does not listen on $HOST:$port; see $LOG_DIR/$name.log"
}

start_swift() {
  start_swift_daemon lab-memcached "$MEMCACHED_PORT" /usr/bin/memcached -u memcache -l "$HOST" -p "$MEMCACHED_PORT" -m 32
  start_swift_daemon lab-swift-account "$SWIFT_ACCOUNT_PORT" /usr/bin/swift-account-server "$SWIFT_ETC/account-server.conf"
  start_swift_daemon lab-swift-container "$SWIFT_CONTAINER_PORT" /usr/bin/swift-container-server "$SWIFT_ETC/container-server.conf"
  start_swift_daemon lab-swift-object "$SWIFT_OBJECT_PORT" /usr/bin/swift-object-server "$SWIFT_ETC/object-server.conf"
  start_swift_daemon lab-swift-proxy "$SWIFT_PROXY_PORT" /usr/bin/swift-proxy-server "$SWIFT_ETC/proxy-server.conf"
  step "swift proxy http://$HOST:$SWIFT_PROXY_PORT (tempauth), account/container/object servers and memcached started"
}

stop_swift() {
  local pair
  for pair in lab-swift-proxy:swift-proxy-server lab-swift-object:swift-object-server \
    lab-swift-container:swift-container-server lab-swift-account:swift-account-server lab-memcached:memcached; do
    stop_recorded "${pair%%:*}" "${pair#*:}"
  done
}

# The lab's glance-api.conf with a swift backend made the default one.
write_glance_swift_conf() {
  write_glance_conf "$GLANCE_PASS" |
    sed -e 's/^enabled_backends = fs:file$/enabled_backends = fs:file, swift:swift/' \
      -e 's/^default_backend = fs$/default_backend = swift/'
  cat <<EOF

[swift]
swift_store_container = glance
swift_store_create_container_on_put = true
swift_store_config_file = $GLANCE_SWIFT_CONF
default_swift_reference = lab
EOF
}

break_swift_unmounted() {
  ensure_packages "${SWIFT_PACKAGES[@]}"
  setup_swift
  start_swift
  (
    umask 027
    printf '[lab]\nuser = glance:glance\nkey = %s\nauth_address = http://%s:%s/auth/v1.0\nauth_version = 1\n' \
      "$SWIFT_KEY" "$HOST" "$SWIFT_PROXY_PORT" >"$GLANCE_SWIFT_CONF"
  )
  chown root:glance "$GLANCE_SWIFT_CONF"
  write_glance_swift_conf >"$ETC_DIR/glance-api.conf.fault"
  chmod 0600 "$ETC_DIR/glance-api.conf.fault"
  install_if_changed "$ETC_DIR/glance-api.conf.fault" "$GLANCE_CONF" 0640 root:glance || true
  restart_glance
  explain "started a swift all-in-one (proxy :$SWIFT_PROXY_PORT) whose device $SWIFT_DEVICES/d1 is not mounted (mount_check = true); swift is Glance's default store" \
    "upload -> 500 after ~31 s (Glance's swift client retries the container PUT), image stays queued; direct and through nginx alike" \
    "curl -s -o /dev/null -w '%{http_code}\\n' -X PUT http://$HOST:$SWIFT_CONTAINER_PORT/d1/0/AUTH_glance/probe -H 'X-Timestamp: 1'   # 507" \
    "grep -c 'Failed to add container to Swift' $LOG_DIR/glance-api.log"
}
unbreak_swift_unmounted() {
  stop_swift
  rm -f "$ETC_DIR/glance-api.conf.fault" "$GLANCE_SWIFT_CONF"
  install_glance_conf "$GLANCE_PASS" >/dev/null || true
  restart_glance
}

cmd_watch_store_mount() {
  local dir=$1 i f found
  printf '%s watcher: waiting for an image file in %s\n' "$(date -Is)" "$dir"
  # Shell builtins only in the loop, so a file is seen within ~10 ms even on a busy machine.
  for ((i = 0; i < 360000; i++)); do
    if ((i % 100 == 0)) && ! mountpoint -q "$dir"; then
      printf '%s watcher: %s is no longer a mount point; done\n' "$(date -Is)" "$dir"
      return 0
    fi
    found=''
    for f in "$dir"/*; do
      if [[ -f $f ]]; then
        found=$f
        break
      fi
    done
    if [[ -n $found ]]; then
      umount -l "$dir"
      printf '%s watcher: %s appeared; lazily unmounted %s under the live glance-api\n' "$(date -Is)" "$found" "$dir"
      return 0
    fi
    sleep 0.01
  done
}

# ---------------------------------------------------------------------------------------------
# commands

cmd_up() {
  local with_horizon=0
  while (($#)); do
    case $1 in
    --with-horizon) with_horizon=1 ;;
    *) usage_error "up takes only --with-horizon (got '$1')" ;;
    esac
    shift
  done
  require_platform
  init_dirs
  take_lock
  local fault
  if fault=$(active_fault); then
    die "fault '$fault' is active; run 'lab restore' first"
  fi
  ensure_packages
  init_service_dirs
  ensure_secrets
  save_pristine
  ensure_mariadb
  ensure_databases
  setup_glance
  setup_keystone
  start_keystone
  provision_identity
  finish_glance_sync
  start_glance
  start_nginx
  write_client_files
  # Once asked for, Horizon stays part of the lab until 'down'.
  if ((with_horizon)) || horizon_enabled; then
    setup_horizon
    start_horizon
  fi
  if ! report_status >"$RUN_DIR/status.txt" 2>&1; then
    cat "$RUN_DIR/status.txt"
    die "the lab came up but is not healthy (above)"
  fi
  step "healthy: admin token, GET /v2/images 200 direct and through nginx"
  local horizon_line=''
  horizon_enabled && horizon_line="
  horizon   $HORIZON_URL          log in as admin or demo (passwords in the openrc files); Project > Compute > Images"
  cat <<EOF

Glance lab up and healthy in $(elapsed) s (state: $LAB_DIR)
  keystone  $KEYSTONE_URL/v3          region $REGION, admin in project admin, demo (member) in demo
  glance    $GLANCE_URL               catalog 'image' public/internal/admin all point here
  nginx     $PROXY_URL -> $GLANCE_PORT     use image_endpoint_override or --os-image-url to go through it
  openrc    $OPENRC_ADMIN
  openrc    $OPENRC_DEMO
  clouds    $CLOUDS_YAML (glance-lab-admin, glance-lab-demo, glance-lab-proxy-admin)
  db (ro)   $DB_READONLY_URL_FILE$horizon_line
try: . $OPENRC_ADMIN && openstack image list
EOF
}

cmd_status() {
  require_platform
  [[ -d $LAB_DIR ]] || {
    say "no lab at $LAB_DIR (run 'lab up')"
    return 1
  }
  report_status
}

cmd_down() {
  require_platform
  local purge=0
  case ${1:-} in
  '') ;;
  --purge) purge=1 ;;
  *) usage_error "down takes only --purge" ;;
  esac
  [[ -d $LAB_DIR ]] || {
    say "no lab at $LAB_DIR"
    return 0
  }
  take_lock
  local fault
  if fault=$(active_fault); then
    step "undoing fault $fault first"
    [[ ! -r $PASSWORDS_FILE ]] || load_secrets
    "unbreak_${fault//-/_}" || warn "could not fully undo $fault"
    rm -f "$FAULT_FILE"
  fi
  local pid
  if pid=$(read_pid watcher __watch-store-mount); then kill "$pid" 2>/dev/null || true; fi
  rm -f "$RUN_DIR/watcher.pid"
  ! mountpoint -q "$STORE_DIR" || unmount_store
  if horizon_enabled || read_pid horizon "$HORIZON_PROC" >/dev/null; then
    stop_and_say horizon "$HORIZON_PROC"
    rm -f "$HORIZON_MARKER"
  fi
  stop_and_say nginx 'nginx: master' QUIT
  stop_and_say glance-api glance-api
  stop_and_say keystone "$KEYSTONE_PROC"
  if ((purge)); then
    purge_lab
    return 0
  fi
  if [[ -e $RUN_DIR/mariadb.started-by-lab ]]; then
    if mariadb_alive; then service mariadb stop >>"$LOG_DIR/mariadb-service.log" 2>&1 9>&- || warn "service mariadb stop failed"; fi
    rm -f "$RUN_DIR/mariadb.started-by-lab"
    step "mariadb stopped (the lab had started it)"
  else
    step "mariadb left running (the lab did not start it)"
  fi
  say "lab down; packages, databases and $LAB_DIR kept ('lab up' brings it back, 'lab down --purge' removes it)"
}

purge_lab() {
  local started_here=0
  if ! mariadb_alive; then
    start_mariadb
    started_here=1
  fi
  sql <<'SQL' || warn "dropping the lab databases failed"
DROP DATABASE IF EXISTS glance;
DROP DATABASE IF EXISTS keystone;
DROP USER IF EXISTS 'glance'@'localhost', 'glance'@'127.0.0.1', 'keystone'@'localhost', 'keystone'@'127.0.0.1',
  'glance_harness_ro'@'localhost', 'glance_harness_ro'@'127.0.0.1';
SQL
  step "dropped databases glance, keystone and their users"
  if [[ -e $RUN_DIR/mariadb.started-by-lab || $started_here == 1 ]]; then
    service mariadb stop >>"$LOG_DIR/mariadb-service.log" 2>&1 9>&- || warn "service mariadb stop failed"
    step "mariadb stopped"
  fi
  rm -f "$MARIADB_DROPIN"
  if [[ -e $HORIZON_DROPIN ]] && grep -q "$GENERATED_MARK" "$HORIZON_DROPIN"; then
    rm -f "$HORIZON_DROPIN"
    step "removed $HORIZON_DROPIN"
  fi
  local f
  for f in "$GLANCE_CONF" "$KEYSTONE_CONF"; do
    if [[ -e $PRISTINE_DIR$f ]]; then
      cp -a "$PRISTINE_DIR$f" "$f"
      step "restored the package's $f"
    fi
  done
  rm -rf /etc/keystone/fernet-keys /etc/keystone/credential-keys
  [[ -e $MARKER_FILE ]] || die "$LAB_DIR has no $MARKER_FILE; not removing it"
  exec 9>&-
  rm -rf -- "$LAB_DIR"
  rmdir --ignore-fail-on-non-empty "$(dirname "$LAB_DIR")" 2>/dev/null || true
  say "lab purged: databases, keys, generated configs and $LAB_DIR removed; packages kept"
}

cmd_logs() {
  local follow=0 lines=50 service=all
  while (($#)); do
    case $1 in
    -f | --follow) follow=1 ;;
    -n)
      [[ ${2:-} =~ ^[0-9]+$ ]] || usage_error "-n needs a number"
      lines=$2
      shift
      ;;
    keystone | glance | glance-api | nginx | mariadb | fault | all) service=$1 ;;
    *) usage_error "logs: unknown service '$1' (keystone, glance, nginx, mariadb, fault, all)" ;;
    esac
    shift
  done
  local files=()
  case $service in
  keystone) files=("$LOG_DIR/keystone.log" "$LOG_DIR/keystone-uwsgi.log") ;;
  glance | glance-api) files=("$LOG_DIR/glance-api.log") ;;
  nginx) files=("$LOG_DIR/nginx-error.log" "$LOG_DIR/nginx-access.log") ;;
  mariadb) files=("$MARIADB_LOG") ;;
  fault) files=("$LOG_DIR/fault-watcher.log") ;;
  all) files=("$LOG_DIR/keystone.log" "$LOG_DIR/glance-api.log" "$LOG_DIR/nginx-error.log"
    "$LOG_DIR/nginx-access.log" "$MARIADB_LOG") ;;
  esac
  local existing=() f
  for f in "${files[@]}"; do [[ -e $f ]] && existing+=("$f"); done
  ((${#existing[@]})) || die "no $service log yet (looked for ${files[*]})"
  if ((follow)); then
    exec tail -n "$lines" -F "${existing[@]}"
  fi
  tail -n "$lines" "${existing[@]}"
}

cmd_break() {
  require_platform
  local fault=${1:-}
  if [[ -z $fault ]]; then
    printf 'lab: break needs a fault:\n' >&2
    printf '  %s\n' "${FAULTS[@]}" >&2
    exit 64
  fi
  is_fault "$fault" || usage_error "unknown fault '$fault' (known: ${FAULTS[*]})"
  [[ -d $LAB_DIR ]] || die "no lab at $LAB_DIR; run 'lab up' first"
  take_lock
  local active
  if active=$(active_fault); then
    die "fault '$active' is already active (one fault at a time); run 'lab restore' first"
  fi
  load_secrets
  if ! report_status >"$RUN_DIR/status.txt" 2>&1; then
    cat "$RUN_DIR/status.txt" >&2
    die "the lab is not healthy (above); 'lab up' or 'lab restore' before breaking it"
  fi
  # Recorded first, so that 'restore' can undo a break that stopped half way.
  printf '%s\n' "$fault" >"$FAULT_FILE"
  say "breaking: $fault"
  "break_${fault//-/_}"
  say "fault $fault is active ('lab restore' undoes it)"
}

# Tables glance-manage db_sync leaves on Zed. db_sync trusts alembic_version, so it never re-creates a
# table dropped by hand; restore rebuilds such a database the way it undoes db-not-synced.
readonly GLANCE_TABLES=(
  alembic_version images image_locations image_members image_properties image_tags metadef_namespaces
  metadef_namespace_resource_types metadef_objects metadef_properties metadef_resource_types metadef_tags
  tasks task_info
)
glance_tables_missing() {
  local have t missing=()
  have=$(sql <<<"SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'glance'") || return 1
  for t in "${GLANCE_TABLES[@]}"; do
    grep -qx -- "$t" <<<"$have" || missing+=("$t")
  done
  ((${#missing[@]})) || return 1
  printf '%s\n' "${missing[*]}"
}
rebuild_incomplete_glance_db() {
  local missing
  missing=$(glance_tables_missing) || return 0
  step "the glance database lacks: $missing; re-creating it (image records are lost)"
  sql <<<'DROP DATABASE glance; CREATE DATABASE glance;'
  unbreak_db_not_synced
}

cmd_restore() {
  require_platform
  [[ -d $LAB_DIR ]] || die "no lab at $LAB_DIR; run 'lab up' first"
  take_lock
  load_secrets
  local fault
  if fault=$(active_fault); then
    step "undoing $fault"
    "unbreak_${fault//-/_}"
    rm -f "$FAULT_FILE"
  else
    step "no fault active"
  fi
  # Bring back whatever is not running, as 'up' would, without re-provisioning.
  mariadb_alive || start_mariadb
  rebuild_incomplete_glance_db
  read_pid keystone "$KEYSTONE_PROC" >/dev/null || start_keystone
  read_pid glance-api glance-api >/dev/null || start_glance
  read_pid nginx 'nginx: master' >/dev/null || start_nginx
  if horizon_enabled; then read_pid horizon "$HORIZON_PROC" >/dev/null || start_horizon; fi
  if wait_healthy 20; then
    report_status
    step "restored: the lab is healthy"
  else
    report_status || true
    die "restore finished but the lab is not healthy (above); see 'lab logs'"
  fi
}

cmd_help() {
  cat <<EOF
lab.sh: a real Glance (Debian bookworm packages) on loopback for glance-harness.

  up [--with-horizon]     install missing packages, start and provision everything, print paths;
                          --with-horizon adds Horizon (openstack-dashboard under uwsgi, $HORIZON_URL)
                          and Debian's chromium for the @horizon suite
  status                  pid, port and health of each service; exit 0 when all healthy
  down [--purge]          stop what the lab started; --purge also drops its databases, keys,
                          generated configs and state dir (packages stay)
  logs [service] [-f] [-n N]
                          service: keystone, glance, nginx, mariadb, fault, all (default)
  break <fault>           inject one fault into the running lab (one at a time)
  restore                 undo the active fault and verify the lab is healthy
  faults                  list the faults
  up|status|down|logs --release newest
                          the newest-release lab only (newest.sh: Glance 33.0.0 from PyPI under uwsgi,
                          127.0.0.1:9293); plain status and down (--purge too) cover it too

faults: ${FAULTS[*]}
state:  \${GLANCE_HARNESS_LAB_DIR:-/var/lib/glance-harness/lab} (now $LAB_DIR)
EOF
}

# The newest-release lab (Glance 33.0.0 from PyPI under uwsgi, :9293) lives in newest.sh.
NEWEST_SCRIPT=$(dirname "$SELF")/newest.sh
readonly NEWEST_SCRIPT

main() {
  local command=${1:-help} release=zed args=()
  (($#)) && shift
  while (($#)); do
    case $1 in
    --release)
      (($# >= 2)) || usage_error "--release needs a value (zed or newest)"
      release=$2
      shift
      ;;
    --release=*) release=${1#--release=} ;;
    *) args+=("$1") ;;
    esac
    shift
  done
  case $release in
  zed) ;;
  newest) exec /bin/bash "$NEWEST_SCRIPT" "$command" "${args[@]}" ;;
  *) usage_error "unknown release '$release' (zed, the default, or newest)" ;;
  esac
  set -- "${args[@]}"
  local rc=0
  case $command in
  up) cmd_up "$@" ;;
  # Without --release, status and down (and down --purge) cover the newest lab too (status's exit
  # code stays the Zed lab's; the newest lab stops or is purged first: it uses the Zed lab's MariaDB
  # and Keystone).
  status)
    cmd_status "$@" || rc=$?
    /bin/bash "$NEWEST_SCRIPT" status --quiet || true
    return "$rc"
    ;;
  down)
    /bin/bash "$NEWEST_SCRIPT" down "$@" || warn "stopping the newest lab failed"
    cmd_down "$@"
    ;;
  logs) cmd_logs "$@" ;;
  break) cmd_break "$@" ;;
  restore) cmd_restore "$@" ;;
  faults) printf '%s\n' "${FAULTS[@]}" ;;
  help | -h | --help) cmd_help ;;
  __watch-store-mount) cmd_watch_store_mount "$@" ;;
  *) usage_error "unknown command '$command'" ;;
  esac
}

main "$@"
