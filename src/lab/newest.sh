#!/usr/bin/env bash
# The newest-release lab: Glance 33.0.0 from PyPI in a venv, under uWSGI on 127.0.0.1:9293, next to
# the Zed lab (lab.sh) and sharing its MariaDB and Keystone, with the release's default policies.
#
#   newest.sh up | status [--quiet] | down [--purge] | logs [-f] [-n N] | help
#
# Reached through `lab.sh <command> --release newest`. Keystone's catalog keeps one image service
# (the Zed lab's, :9292); the newest lab's client files reach :9293 with an endpoint override
# (OS_IMAGE_ENDPOINT_OVERRIDE, clouds.yaml image_endpoint_override), and the catalog lists it as
# type image-newest for clients that read only the catalog (Tempest). Everything it owns lives in
# ${GLANCE_HARNESS_NEWEST_LAB_DIR:-/var/lib/glance-harness/lab-newest}; /etc/glance is never read
# for config (OS_GLANCE_CONFIG_DIR and absolute paths) nor written. Exit codes as lab.sh: 0 ok,
# 1 failed or unhealthy, 2 not Debian or not root, 64 usage.
set -euo pipefail
shopt -s nullglob

for fd_path in "/proc/$$/fd"/*; do
  fd=${fd_path##*/}
  if ((fd > 2 && fd != 255)); then eval "exec ${fd}>&-" 2>/dev/null || true; fi
done
unset fd fd_path

PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 022

readonly GLANCE_VERSION=33.0.0
readonly DIR=${GLANCE_HARNESS_NEWEST_LAB_DIR:-/var/lib/glance-harness/lab-newest}
readonly ZED_DIR=${GLANCE_HARNESS_LAB_DIR:-/var/lib/glance-harness/lab}
readonly VENV=$DIR/venv DIST_DIR=$DIR/dist SDIST_DIR=$DIR/src/glance-$GLANCE_VERSION
readonly ETC=$DIR/etc RUN=$DIR/run LOGS=$DIR/logs SECRETS=$DIR/secrets
readonly PASSWORDS=$SECRETS/passwords.env
readonly STORE=$DIR/store STAGING=$DIR/staging TASKS=$DIR/tasks LOCKS=$DIR/locks CACHE=$DIR/image-cache
readonly MARKER=$DIR/.glance-harness-lab-newest
readonly HOST=127.0.0.1 PORT=9293
readonly GLANCE_URL=http://$HOST:$PORT
readonly KEYSTONE_URL=http://$HOST:5000
readonly REGION=RegionOne
readonly DB=glance_newest DB_USER=glance_newest RO_USER=glance_newest_ro
readonly DB_READONLY_URL_FILE=$DIR/db-readonly.url
readonly PROC='glance-newest-uWSGI master'
readonly PIDFILE=$RUN/glance-api.pid
readonly PROJECT=newest ADMIN_PROJECT=newest-admin SERVICE_PROJECT=newest-service
readonly SERVICE_USER=glance-newest
readonly CLOUDS_YAML=$DIR/clouds.yaml
# A catalog service of its own type for clients that find Glance only in the catalog (Tempest's
# [image] catalog_type): the type 'image' stays the Zed lab's alone, in the one region.
readonly CATALOG_TYPE=image-newest CATALOG_NAME=glance-newest
# Every command that changes lab services holds it; the Zed lab's test leg holds it for its whole run.
readonly LAB_LOCK=/tmp/glance-lab.lock
readonly MARK='written by the glance-harness newest lab'

NEWEST_ADMIN_PASS='' NEWEST_MEMBER_PASS='' NEWEST_READER_PASS='' NEWEST_SERVICE_PASS='' NEWEST_DB_PASS='' NEWEST_RO_DB_PASS=''
FRESH_SECRETS=0 CONF_CHANGED=0
T0=${EPOCHREALTIME/./}
TOKEN_HEADER_FILE=''

elapsed() {
  local tenths=$(((${EPOCHREALTIME/./} - T0) / 100000))
  printf '%d.%d' "$((tenths / 10))" "$((tenths % 10))"
}
step() { printf '[%6ss] newest: %s\n' "$(elapsed)" "$*"; }
die() {
  printf 'lab newest: %s\n' "$*" >&2
  exit 1
}
usage_error() {
  printf 'lab newest: %s\n' "$*" >&2
  exit 64
}
on_exit() { [[ -z $TOKEN_HEADER_FILE ]] || rm -f "$TOKEN_HEADER_FILE"; }
trap on_exit EXIT

require_platform() {
  local id=''
  # shellcheck source=/dev/null
  [[ -r /etc/os-release ]] && id=$(. /etc/os-release && printf '%s' "${ID:-}")
  if [[ $id != debian ]]; then
    printf 'lab newest: needs Debian 12 (this machine is "%s")\n' "${id:-unknown}" >&2
    exit 2
  fi
  if ((EUID != 0)); then
    printf 'lab newest: needs root (MariaDB users, a service user, uwsgi as glance)\n' >&2
    exit 2
  fi
}

# True when a process above this one holds the lab lock (`flock /tmp/glance-lab.lock lab ...`, leg.sh).
ancestor_holds_lock() {
  local inode holders pid=$$
  [[ -e $LAB_LOCK ]] || return 1
  inode=$(stat -c %i "$LAB_LOCK")
  holders=" $(awk -v i=":$inode" '$2 == "FLOCK" && substr($6, length($6) - length(i) + 1) == i { printf "%s ", $5 }' /proc/locks)"
  while ((pid > 1)); do
    [[ $holders != *" $pid "* ]] || return 0
    pid=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || return 1
    [[ -n $pid ]] || return 1
  done
  return 1
}

# The shared lab lock, unless an ancestor (test/lab/leg.sh, a flock wrapper) already holds it.
take_lab_lock() {
  [[ ${GLANCE_HARNESS_LAB_LOCKED:-} != 1 ]] || return 0
  ! ancestor_holds_lock || return 0
  exec 8>>"$LAB_LOCK"
  if ! flock -n 8; then
    step "waiting for the lab lock ($LAB_LOCK)"
    flock 8
  fi
}

# ---------------------------------------------------------------------------------------------
# helpers

http_code() { curl -s -o /dev/null -m "${HTTP_TIMEOUT:-5}" -w '%{http_code}' "$@" 2>/dev/null || true; }

wait_until() {
  local seconds=$1 i
  shift
  for ((i = 0; i < seconds * 4; i++)); do
    "$@" && return 0
    sleep 0.25
  done
  return 1
}

read_pid() {
  local pid
  [[ -r $PIDFILE ]] || return 1
  read -r pid <"$PIDFILE" || return 1
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$PROC" || return 1
  printf '%s\n' "$pid"
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

sql() { mysql --protocol=socket -uroot -N -B; }
mariadb_alive() { mysqladmin --connect-timeout=2 ping >/dev/null 2>&1; }

# Copies $1 over $2 when they differ; returns 0 when it changed.
install_if_changed() {
  local src=$1 dest=$2 mode=$3
  if [[ -f $dest ]] && cmp -s "$src" "$dest"; then
    chmod "$mode" "$dest"
    chown root:glance "$dest"
    return 1
  fi
  install -m "$mode" -o root -g glance "$src" "$dest"
}

# ---------------------------------------------------------------------------------------------
# install: venv with glance==$GLANCE_VERSION, and the sdist for its etc/ and httpd/

installed_version() {
  [[ -x $VENV/bin/python ]] || return 1
  "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("glance"))' 2>/dev/null
}

ensure_venv() {
  local have
  have=$(installed_version) || have=''
  if [[ $have != "$GLANCE_VERSION" ]]; then
    step "installing glance==$GLANCE_VERSION from PyPI into $VENV (log: $LOGS/pip-install.log)"
    [[ -x $VENV/bin/python ]] || /usr/bin/python3 -m venv "$VENV"
    {
      "$VENV/bin/pip" install --upgrade pip &&
        "$VENV/bin/pip" install "glance==$GLANCE_VERSION" PyMySQL python-memcached
    } >>"$LOGS/pip-install.log" 2>&1 || die "pip install glance==$GLANCE_VERSION failed; see $LOGS/pip-install.log"
    have=$(installed_version) || die "glance is not importable from $VENV after pip install"
  fi
  [[ $have == "$GLANCE_VERSION" ]] || die "$VENV has glance $have, expected $GLANCE_VERSION"
  if [[ ! -d $SDIST_DIR/etc || ! -f $SDIST_DIR/httpd/glance-api-uwsgi.ini ]]; then
    step "fetching the glance $GLANCE_VERSION sdist for its etc/ and httpd/"
    mkdir -p "$DIST_DIR" "$DIR/src"
    "$VENV/bin/pip" download -q --no-binary :all: --no-deps -d "$DIST_DIR" "glance==$GLANCE_VERSION" \
      >>"$LOGS/pip-install.log" 2>&1 || die "pip download of the glance sdist failed; see $LOGS/pip-install.log"
    tar -xzf "$DIST_DIR/glance-$GLANCE_VERSION.tar.gz" -C "$DIR/src"
  fi
  step "glance $have in $VENV ($(/usr/bin/python3 --version 2>&1))"
}

# ---------------------------------------------------------------------------------------------
# state, secrets

init_dirs() {
  mkdir -p "$DIR" "$RUN" "$LOGS" "$SECRETS" "$ETC" "$ETC/policy.d"
  chmod 0755 "$DIR" "$RUN" "$LOGS"
  chmod 0700 "$SECRETS"
  chown root:glance "$ETC" "$ETC/policy.d" 2>/dev/null || true
  chmod 0750 "$ETC" "$ETC/policy.d"
  [[ -e $MARKER ]] || printf 'state directory of the glance-harness newest lab (src/lab/newest.sh)\n' >"$MARKER"
}

init_service_dirs() {
  id glance >/dev/null 2>&1 || die "no glance user: run 'lab up' (the Zed lab) first"
  install -d -o glance -g glance -m 0750 "$STORE" "$STAGING" "$TASKS" "$LOCKS" "$CACHE"
  local f
  for f in glance-api.log uwsgi.log glance-manage.log; do
    touch "$LOGS/$f" && chown glance:glance "$LOGS/$f" && chmod 0640 "$LOGS/$f"
  done
}

readonly SECRET_NAMES=(NEWEST_ADMIN_PASS NEWEST_MEMBER_PASS NEWEST_READER_PASS NEWEST_SERVICE_PASS NEWEST_DB_PASS NEWEST_RO_DB_PASS)

# Created once; a name added later is appended without touching the others.
ensure_secrets() {
  [[ -s $PASSWORDS ]] || FRESH_SECRETS=1
  local name added=0
  (
    umask 077
    touch "$PASSWORDS"
  )
  for name in "${SECRET_NAMES[@]}"; do
    grep -q "^$name=" "$PASSWORDS" && continue
    printf '%s=%s\n' "$name" "$(openssl rand -hex 16)" >>"$PASSWORDS"
    added=1
  done
  ((added)) && step "generated passwords in $PASSWORDS (mode 0600)"
  load_secrets
}

load_secrets() {
  [[ -r $PASSWORDS ]] || die "no passwords in $PASSWORDS; run 'lab up --release newest' first"
  chmod 0600 "$PASSWORDS"
  # shellcheck source=/dev/null
  . "$PASSWORDS"
}

# ---------------------------------------------------------------------------------------------
# the Zed lab's MariaDB and Keystone

require_zed_services() {
  mariadb_alive || die "MariaDB is not running: bring the Zed lab up first ('lab up')"
  [[ $(http_code "$KEYSTONE_URL/v3") == 200 ]] || die "Keystone ($KEYSTONE_URL) does not answer: 'lab up' first"
  [[ -r $ZED_DIR/openrc-admin ]] || die "no $ZED_DIR/openrc-admin: 'lab up' first"
}

ensure_database() {
  local host
  {
    printf 'CREATE DATABASE IF NOT EXISTS %s;\n' "$DB"
    for host in localhost 127.0.0.1; do
      printf "CREATE USER IF NOT EXISTS '%s'@'%s' IDENTIFIED BY '%s';\n" "$DB_USER" "$host" "$NEWEST_DB_PASS"
      printf "ALTER USER '%s'@'%s' IDENTIFIED BY '%s';\n" "$DB_USER" "$host" "$NEWEST_DB_PASS"
      printf "GRANT ALL PRIVILEGES ON %s.* TO '%s'@'%s';\n" "$DB" "$DB_USER" "$host"
    done
    for host in localhost 127.0.0.1; do
      printf "CREATE USER IF NOT EXISTS '%s'@'%s' IDENTIFIED BY '%s';\n" "$RO_USER" "$host" "$NEWEST_RO_DB_PASS"
      printf "ALTER USER '%s'@'%s' IDENTIFIED BY '%s';\n" "$RO_USER" "$host" "$NEWEST_RO_DB_PASS"
      printf "GRANT SELECT ON %s.* TO '%s'@'%s';\n" "$DB" "$RO_USER" "$host"
    done
  } | sql || die "creating database $DB or its users failed"
  step "database $DB, users $DB_USER and $RO_USER (read-only) ready"
}

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

# The Zed lab's cloud admin provisions the newest lab's projects and users.
use_zed_admin_token() {
  local pass token
  pass=$(sed -n 's/^export OS_PASSWORD=//p' "$ZED_DIR/openrc-admin")
  token=$(issue_token admin "$pass" admin) || die "the Zed lab's admin cannot get a token from $KEYSTONE_URL"
  TOKEN_HEADER_FILE=$(mktemp "$SECRETS/.token.XXXXXX")
  printf 'X-Auth-Token: %s\n' "$token" >"$TOKEN_HEADER_FILE"
}

# ks_api, ensure_project, ensure_user, role_id: the Zed lab's, on this lab's admin token.
LAB_LOG_PREFIX='lab newest'
# shellcheck source=keystone-api.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/keystone-api.sh"

grant() {
  local project=$1 user=$2 role=$3 rid
  rid=$(role_id "$role")
  [[ -n $rid ]] || die "Keystone has no role '$role'"
  ks_api PUT "/projects/$project/users/$user/roles/$rid" >/dev/null
}

# The service of type $CATALOG_TYPE (reused when present) and its three endpoints at $GLANCE_URL.
ensure_catalog_service() {
  local sid iface eid
  sid=$(ks_api GET "/services?type=$CATALOG_TYPE" | jq -r '.services[0].id // empty')
  if [[ -z $sid ]]; then
    sid=$(ks_api POST /services "$(jq -n --arg t "$CATALOG_TYPE" --arg n "$CATALOG_NAME" \
      '{service: {type: $t, name: $n, description: "Glance of the newest lab", enabled: true}}')" | jq -r .service.id)
  fi
  for iface in public internal admin; do
    eid=$(ks_api GET "/endpoints?service_id=$sid&interface=$iface" | jq -r '.endpoints[0].id // empty')
    if [[ -z $eid ]]; then
      ks_api POST /endpoints "$(jq -n --arg s "$sid" --arg i "$iface" --arg u "$GLANCE_URL" --arg r "$REGION" \
        '{endpoint: {service_id: $s, interface: $i, url: $u, region_id: $r, enabled: true}}')" >/dev/null
    else
      ks_api PATCH "/endpoints/$eid" "$(jq -n --arg u "$GLANCE_URL" --arg r "$REGION" \
        '{endpoint: {url: $u, region_id: $r, enabled: true}}')" >/dev/null
    fi
  done
}

# Own projects, users and catalog service; the type 'image' is left alone (the Zed lab's).
provision_identity() {
  use_zed_admin_token
  local p_newest p_admin p_service u
  p_newest=$(ensure_project "$PROJECT" 'Project of the newest lab (member, reader)')
  p_admin=$(ensure_project "$ADMIN_PROJECT" 'Admin project of the newest lab')
  p_service=$(ensure_project "$SERVICE_PROJECT" 'Service user of the newest lab')
  u=$(ensure_user "$SERVICE_USER" "$NEWEST_SERVICE_PASS" "$p_service") && grant "$p_service" "$u" admin
  u=$(ensure_user newest-admin "$NEWEST_ADMIN_PASS" "$p_admin") && grant "$p_admin" "$u" admin
  u=$(ensure_user newest-member "$NEWEST_MEMBER_PASS" "$p_newest") && grant "$p_newest" "$u" member
  u=$(ensure_user newest-reader "$NEWEST_READER_PASS" "$p_newest") && grant "$p_newest" "$u" reader
  ensure_catalog_service
  step "identity: newest-admin (admin in $ADMIN_PROJECT), newest-member and newest-reader in $PROJECT, $SERVICE_USER (admin in $SERVICE_PROJECT); catalog: $CATALOG_NAME ($CATALOG_TYPE) at $GLANCE_URL"
}

# ---------------------------------------------------------------------------------------------
# Glance config: OS_GLANCE_CONFIG_DIR=$ETC; every file Glance would otherwise look up by name in
# /etc/glance (paste ini, policy, schema-image.json, metadefs) is here or given by absolute path.

write_glance_conf() {
  cat <<EOF
# glance-api.conf of the newest lab; $MARK on every 'lab up --release newest'.
[DEFAULT]
enabled_backends = fs:file
log_file = $LOGS/glance-api.log
use_stderr = false
# The image cache on, so the cache API is served and v2.18 (cache clean and prune) is CURRENT.
# The cache driver (centralized_db) records this node by worker_self_reference_url.
image_cache_dir = $CACHE
worker_self_reference_url = $GLANCE_URL

[database]
connection = mysql+pymysql://$DB_USER:$NEWEST_DB_PASS@$HOST/$DB

[glance_store]
default_backend = fs

[fs]
filesystem_store_datadir = $STORE/

[os_glance_staging_store]
filesystem_store_datadir = $STAGING/

[os_glance_tasks_store]
filesystem_store_datadir = $TASKS/

[paste_deploy]
flavor = keystone+cachemanagement
config_file = $ETC/glance-api-paste.ini

[keystone_authtoken]
www_authenticate_uri = $KEYSTONE_URL
auth_url = $KEYSTONE_URL
auth_type = password
project_domain_name = Default
user_domain_name = Default
project_name = $SERVICE_PROJECT
username = $SERVICE_USER
password = $NEWEST_SERVICE_PASS
region_name = $REGION

# Policy: the release's defaults, nothing overridden (policy.yaml is empty; policy.yaml.sample lists
# them). Absolute paths so oslo never falls back to /etc/glance/policy.d (the Zed lab's).
[oslo_policy]
policy_file = $ETC/policy.yaml
policy_dirs = $ETC/policy.d

[oslo_concurrency]
lock_path = $LOCKS
EOF
}

# The shipped uwsgi ini (httpd/glance-api-uwsgi.ini), moved to our port, Debian's python3 plugin and
# the venv, plus pid, log, user and process name.
write_uwsgi_ini() {
  printf '# uwsgi for the newest lab: %s httpd/glance-api-uwsgi.ini, adapted; %s.\n' "glance $GLANCE_VERSION" "$MARK"
  sed -e "s|^http-socket = .*|http-socket = $HOST:$PORT|" -e 's|^plugins = python$|plugins = python3|' \
    -e 's|^processes = .*|processes = 2|' -e '/^#/d' "$SDIST_DIR/httpd/glance-api-uwsgi.ini"
  cat <<EOF
virtualenv = $VENV
env = OS_GLANCE_CONFIG_DIR=$ETC
procname-prefix = glance-newest-
uid = glance
gid = glance
chdir = $DIR
no-orphans = true
pidfile = $PIDFILE
daemonize = $LOGS/uwsgi.log
EOF
}

setup_config() {
  local tmp
  tmp=$(mktemp -d)
  write_glance_conf >"$tmp/glance-api.conf"
  # Shipped paste ini; only the healthcheck's disable file moves out of /etc/glance.
  sed "s|^disable_by_file_path = .*|disable_by_file_path = $RUN/healthcheck_disable|" \
    "$SDIST_DIR/etc/glance-api-paste.ini" >"$tmp/glance-api-paste.ini"
  cp "$SDIST_DIR/etc/schema-image.json" "$tmp/schema-image.json"
  printf '# %s: empty, so glance %s enforces its in-code defaults (see policy.yaml.sample).\n' "$MARK" \
    "$GLANCE_VERSION" >"$tmp/policy.yaml"
  write_uwsgi_ini >"$tmp/glance-api-uwsgi.ini"
  local f
  for f in glance-api.conf glance-api-paste.ini schema-image.json policy.yaml glance-api-uwsgi.ini; do
    if install_if_changed "$tmp/$f" "$ETC/$f" 0640; then CONF_CHANGED=1; fi
  done
  rm -rf "$tmp"
  if [[ ! -s $ETC/policy.yaml.sample ]]; then
    "$VENV/bin/oslopolicy-sample-generator" --namespace glance --output-file "$ETC/policy.yaml.sample" \
      >>"$LOGS/glance-manage.log" 2>&1 || step "warning: could not generate policy.yaml.sample"
  fi
  ((CONF_CHANGED)) && step "wrote $ETC (glance-api.conf, shipped paste ini and schema-image.json, uwsgi ini)"
  return 0
}

glance_manage() {
  runuser -u glance -- env OS_GLANCE_CONFIG_DIR="$ETC" "$VENV/bin/glance-manage" \
    --config-file "$ETC/glance-api.conf" "$@" 8>&-
}

alembic_head() { glance_manage db version 2>>"$LOGS/glance-manage.log" | tail -n 1; }

ensure_schema() {
  local version namespaces
  version=$(sql <<<"SELECT version_num FROM $DB.alembic_version LIMIT 1" 2>/dev/null) || version=''
  if [[ -z $version ]]; then
    step "glance-manage db_sync ($DB)"
    glance_manage db_sync >>"$LOGS/glance-manage.log" 2>&1 || die "db_sync failed; see $LOGS/glance-manage.log"
  fi
  namespaces=$(sql <<<"SELECT COUNT(*) FROM $DB.metadef_namespaces")
  if [[ $namespaces == 0 ]]; then
    glance_manage db load_metadefs --path "$SDIST_DIR/etc/metadefs" >>"$LOGS/glance-manage.log" 2>&1 ||
      die "db_load_metadefs failed; see $LOGS/glance-manage.log"
    step "loaded the $GLANCE_VERSION metadef catalog"
  fi
  step "database $DB at alembic head $(alembic_head)"
}

# ---------------------------------------------------------------------------------------------
# uwsgi

healthy() { [[ $(http_code "$GLANCE_URL/healthcheck") == 200 ]]; }

stop_glance() {
  local pid children=() i
  pid=$(read_pid) || {
    rm -f "$PIDFILE"
    return 1
  }
  mapfile -t children < <(pgrep -P "$pid" || true)
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 120; i++)); do
    alive_any "$pid" "${children[@]}" || break
    sleep 0.25
  done
  alive_any "$pid" "${children[@]}" && kill -KILL "$pid" "${children[@]}" 2>/dev/null
  rm -f "$PIDFILE"
  printf '%s\n' "$pid"
}

start_glance() {
  local pid holder
  if pid=$(read_pid); then
    if ((CONF_CHANGED)); then
      step "config changed: restarting uwsgi (pid $pid)"
      stop_glance >/dev/null || true
    else
      wait_until 60 healthy || die "uwsgi (pid $pid) does not answer $GLANCE_URL/healthcheck"
      step "glance-api running (uwsgi pid $pid, $GLANCE_URL)"
      return
    fi
  fi
  holder=$(port_holder "$PORT")
  [[ -z $holder ]] || die "port $PORT is taken by $holder"
  uwsgi --ini "$ETC/glance-api-uwsgi.ini" >>"$LOGS/uwsgi.log" 2>&1 8>&- ||
    die "uwsgi failed to start; see $LOGS/uwsgi.log"
  if ! wait_until 90 healthy; then
    tail -n 30 "$LOGS/uwsgi.log" "$LOGS/glance-api.log" >&2 || true
    die "glance-api did not answer $GLANCE_URL/healthcheck within 90 s"
  fi
  pid=$(read_pid) || die "glance answers but $PIDFILE names no uwsgi master"
  chmod 0644 "$PIDFILE"
  step "glance-api $GLANCE_VERSION started (uwsgi pid $pid, $GLANCE_URL)"
}

# ---------------------------------------------------------------------------------------------
# client files

write_openrc() {
  local user=$1 password=$2 project=$3 role=$4
  cat <<EOF
# OpenStack credentials for the newest lab (glance $GLANCE_VERSION): $user, $role in project $project.
# Keystone's catalog points at the Zed lab's Glance; the override sends image calls to $GLANCE_URL.
# Use: . $DIR/openrc-$user && openstack image list
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
export OS_IMAGE_ENDPOINT_OVERRIDE=$GLANCE_URL
EOF
}

write_cloud() {
  local name=$1 user=$2 password=$3 project=$4
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
    image_endpoint_override: $GLANCE_URL
EOF
}

write_client_files() {
  (
    umask 077
    write_openrc newest-admin "$NEWEST_ADMIN_PASS" "$ADMIN_PROJECT" admin >"$DIR/openrc-newest-admin"
    write_openrc newest-member "$NEWEST_MEMBER_PASS" "$PROJECT" member >"$DIR/openrc-newest-member"
    write_openrc newest-reader "$NEWEST_READER_PASS" "$PROJECT" reader >"$DIR/openrc-newest-reader"
    {
      printf '# Clouds of the newest lab (glance %s at %s). Use: OS_CLIENT_CONFIG_FILE=%s openstack --os-cloud glance-newest-admin image list\n' \
        "$GLANCE_VERSION" "$GLANCE_URL" "$CLOUDS_YAML"
      printf 'clouds:\n'
      write_cloud glance-newest-admin newest-admin "$NEWEST_ADMIN_PASS" "$ADMIN_PROJECT"
      write_cloud glance-newest-member newest-member "$NEWEST_MEMBER_PASS" "$PROJECT"
      write_cloud glance-newest-reader newest-reader "$NEWEST_READER_PASS" "$PROJECT"
    } >"$CLOUDS_YAML"
    printf 'mysql://%s:%s@%s:3306/%s\n' "$RO_USER" "$NEWEST_RO_DB_PASS" "$HOST" "$DB" >"$DB_READONLY_URL_FILE"
  )
}

# ---------------------------------------------------------------------------------------------
# health

api_code() {
  local token
  token=$(issue_token newest-admin "$NEWEST_ADMIN_PASS" "$ADMIN_PROJECT") || {
    printf 'no-token'
    return
  }
  printf 'X-Auth-Token: %s\n' "$token" | http_code -H @- "$GLANCE_URL/v2/images"
}

# $1: 1 to print nothing when the lab was never set up (the Zed lab's status appends this).
report_status() {
  local quiet=${1:-0} ok=0 pid code
  if [[ ! -e $MARKER ]]; then
    ((quiet)) || printf 'no newest lab at %s (run lab up --release newest)\n' "$DIR"
    return 1
  fi
  ((quiet)) && printf '\n'
  printf 'newest lab: glance %s (%s)\n' "$(installed_version || printf 'not installed')" "$DIR"
  pid=$(read_pid) || pid=-
  code=$(http_code "$GLANCE_URL/healthcheck")
  if [[ $code == 200 ]]; then
    printf '%-9s %-8s %-6s %s\n' glance-33 "$pid" "$PORT" "ok (uwsgi, GET /healthcheck 200)"
  else
    printf '%-9s %-8s %-6s %s\n' glance-33 "$pid" "$PORT" "DOWN (GET /healthcheck -> $code)"
    ok=1
  fi
  if [[ -r $PASSWORDS && $code == 200 ]]; then
    load_secrets
    code=$(api_code)
    if [[ $code == 200 ]]; then
      printf '%-9s %-8s %-6s %s\n' api-33 - - "ok (newest-admin token, GET /v2/images 200)"
    else
      printf '%-9s %-8s %-6s %s\n' api-33 - - "FAILING (newest-admin token, GET /v2/images -> $code)"
      ok=1
    fi
  fi
  return "$ok"
}

# ---------------------------------------------------------------------------------------------
# commands

cmd_up() {
  (($# == 0)) || usage_error "up --release newest takes no other argument (got '$*')"
  require_platform
  init_dirs
  take_lab_lock
  ensure_venv
  init_service_dirs
  ensure_secrets
  require_zed_services
  ensure_database
  provision_identity
  setup_config
  ensure_schema
  start_glance
  write_client_files
  report_status >"$RUN/status.txt" 2>&1 || {
    cat "$RUN/status.txt" >&2
    die "the newest lab came up but is not healthy (above)"
  }
  cat <<EOF

Newest Glance lab up and healthy in $(elapsed) s (state: $DIR)
  glance    $GLANCE_URL   glance $GLANCE_VERSION under uwsgi, policies: the release's defaults
  keystone  $KEYSTONE_URL/v3 (the Zed lab's; its catalog 'image' stays :9292, the client files override it; '$CATALOG_TYPE' is :$PORT)
  openrc    $DIR/openrc-newest-admin, -member, -reader
  clouds    $CLOUDS_YAML (glance-newest-admin, glance-newest-member, glance-newest-reader)
  db (ro)   $DB_READONLY_URL_FILE (SELECT on $DB only)
  logs      $LOGS
try: . $DIR/openrc-newest-admin && openstack image list
EOF
}

cmd_status() {
  local quiet=0
  [[ ${1:-} != --quiet ]] || quiet=1
  require_platform
  report_status "$quiet"
}

cmd_down() {
  local purge=0
  case ${1:-} in
  '') ;;
  --purge) purge=1 ;;
  *) usage_error "down --release newest takes only --purge (got '$*')" ;;
  esac
  require_platform
  [[ -e $MARKER ]] || return 0
  take_lab_lock
  local pid
  if pid=$(stop_glance); then
    step "glance-api $GLANCE_VERSION stopped (uwsgi pid $pid)"
  else
    step "glance-api $GLANCE_VERSION was not running"
  fi
  ((purge)) && purge_newest
  return 0
}

# id_by_name KIND NAME: the id of a Keystone user or project named NAME in the default domain.
id_by_name() {
  ks_api GET "/$1?name=$2&domain_id=default" | jq -r --arg k "$1" '.[$k][0].id // empty'
}

# What 'up --release newest' made beside its directory: the database and its users in the Zed lab's
# MariaDB, the users and projects in its Keystone. What cannot be reached now is named, not guessed.
purge_newest() {
  if mariadb_alive; then
    local host
    {
      printf 'DROP DATABASE IF EXISTS %s;\n' "$DB"
      for host in localhost 127.0.0.1; do
        printf "DROP USER IF EXISTS '%s'@'%s', '%s'@'%s';\n" "$DB_USER" "$host" "$RO_USER" "$host"
      done
    } | sql || die "dropping database $DB or its users failed"
    step "dropped database $DB and users $DB_USER, $RO_USER"
  else
    step "MariaDB is not running: database $DB and its users are left ('lab up', then purge again)"
  fi
  if [[ $(http_code "$KEYSTONE_URL/v3") == 200 && -r $ZED_DIR/openrc-admin ]]; then
    use_zed_admin_token
    local kind name id
    for kind in users projects; do
      local names=(newest-admin newest-member newest-reader "$SERVICE_USER")
      [[ $kind == users ]] || names=("$PROJECT" "$ADMIN_PROJECT" "$SERVICE_PROJECT")
      for name in "${names[@]}"; do
        id=$(id_by_name "$kind" "$name")
        [[ -z $id ]] || ks_api DELETE "/$kind/$id" >/dev/null
      done
    done
    # Deleting a service deletes its endpoints.
    for id in $(ks_api GET "/services?type=$CATALOG_TYPE" | jq -r '.services[].id'); do
      ks_api DELETE "/services/$id" >/dev/null
    done
    rm -f "$TOKEN_HEADER_FILE"
    TOKEN_HEADER_FILE=
    step "removed Keystone users newest-admin, newest-member, newest-reader, $SERVICE_USER and projects $PROJECT, $ADMIN_PROJECT, $SERVICE_PROJECT, catalog service $CATALOG_NAME ($CATALOG_TYPE)"
  else
    step "Keystone ($KEYSTONE_URL) does not answer: the newest lab's users, projects and catalog service are left ('lab up', then purge again)"
  fi
  rm -rf -- "$DIR"
  step "removed $DIR (venv included: the next 'up --release newest' installs glance $GLANCE_VERSION again)"
}

cmd_logs() {
  local follow=0 lines=50
  while (($#)); do
    case $1 in
    -f | --follow) follow=1 ;;
    -n)
      [[ ${2:-} =~ ^[0-9]+$ ]] || usage_error "-n needs a number"
      lines=$2
      shift
      ;;
    *) usage_error "logs --release newest takes -f and -n N" ;;
    esac
    shift
  done
  local files=("$LOGS/glance-api.log" "$LOGS/uwsgi.log")
  ((follow)) && exec tail -n "$lines" -F "${files[@]}"
  tail -n "$lines" "${files[@]}"
}

main() {
  local command=${1:-help}
  (($#)) && shift
  case $command in
  up) cmd_up "$@" ;;
  status) cmd_status "$@" ;;
  down) cmd_down "$@" ;;
  logs) cmd_logs "$@" ;;
  help | -h | --help) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' ;;
  *) usage_error "'$command' does not apply to the newest lab (up, status, down, logs)" ;;
  esac
}

main "$@"
