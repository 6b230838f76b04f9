# Keystone v3 calls shared by lab.sh (the Zed lab) and newest.sh (the newest lab); sourced, not run.
# The caller sets KEYSTONE_URL, TOKEN_HEADER_FILE (a curl header file with the admin token),
# FRESH_SECRETS (1: passwords were just generated, so existing users get theirs) and LAB_LOG_PREFIX.
# shellcheck shell=bash

# authed_call METHOD URL [curl args...]: a call with the admin token; prints the body, fails on non-2xx.
authed_call() {
  local method=$1 url=$2 out code
  shift 2
  out=$(mktemp)
  code=$(curl -s -m 60 -o "$out" -w '%{http_code}' -X "$method" -H @"$TOKEN_HEADER_FILE" "$@" "$url")
  if [[ ! $code =~ ^2 ]]; then
    printf '%s: %s %s -> %s: %s\n' "$LAB_LOG_PREFIX" "$method" "$url" "$code" "$(head -c 400 "$out")" >&2
    rm -f "$out"
    return 1
  fi
  cat "$out"
  rm -f "$out"
}

# ks_api METHOD PATH [JSON]: Keystone v3 call with the admin token; prints the body.
ks_api() {
  local method=$1 path=$2 body=${3:-}
  if [[ -n $body ]]; then
    printf '%s' "$body" | authed_call "$method" "$KEYSTONE_URL/v3$path" -H 'Content-Type: application/json' --data-binary @-
  else
    authed_call "$method" "$KEYSTONE_URL/v3$path"
  fi
}

ensure_project() {
  local name=$1 description=$2 id
  id=$(ks_api GET "/projects?name=$name&domain_id=default" | jq -r '.projects[0].id // empty')
  if [[ -z $id ]]; then
    id=$(ks_api POST /projects "$(jq -n --arg n "$name" --arg d "$description" \
      '{project: {name: $n, description: $d, domain_id: "default", enabled: true}}')" | jq -r .project.id)
  fi
  printf '%s\n' "$id"
}

ensure_user() {
  local name=$1 password=$2 project_id=$3 id
  id=$(ks_api GET "/users?name=$name&domain_id=default" | jq -r '.users[0].id // empty')
  if [[ -z $id ]]; then
    id=$(ks_api POST /users "$(KS_PASS=$password jq -n --arg n "$name" --arg p "$project_id" \
      '{user: {name: $n, password: env.KS_PASS, domain_id: "default", default_project_id: $p, enabled: true}}')" |
      jq -r .user.id)
  elif ((FRESH_SECRETS)); then
    ks_api PATCH "/users/$id" "$(KS_PASS=$password jq -n '{user: {password: env.KS_PASS}}')" >/dev/null
  fi
  printf '%s\n' "$id"
}

role_id() {
  ks_api GET "/roles?name=$1" | jq -r '.roles[0].id // empty'
}
