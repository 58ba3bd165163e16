#!/usr/bin/env bash
# Prints the cloud.conf of the OpenStack cloud provider for one cloud of a clouds.yaml:
#   templates/create_cloud_conf.sh <path/to/clouds.yaml> <cloud> > /tmp/cloud.conf
# env.rc runs it with --env to get its variables, so the INI has one writer.
# Reads YAML with whatever is installed: python3 with PyYAML, mikefarah yq v4, or the Python yq (+ jq).
set -euo pipefail

PROG=create_cloud_conf.sh
USAGE="$0 <path/to/clouds.yaml> <cloud>"
MODE=conf
if [ "${1:-}" = "--env" ]; then
  PROG=env.rc
  USAGE="source templates/env.rc <path/to/clouds.yaml> <cloud>"
  MODE="env"
  shift
fi

die() {
  echo "$PROG: $*" >&2
  exit 1
}

[ $# -eq 2 ] || die "usage: $USAGE"
CLOUDS_YAML=$1
CLOUD=$2
{ [ -f "$CLOUDS_YAML" ] && [ -r "$CLOUDS_YAML" ]; } || die "cannot read clouds.yaml '$CLOUDS_YAML'"

# What is read from clouds.<cloud> (jq paths, "a // .b" = a, else b), and the variable each goes to.
FIELDS=(auth.auth_url auth.username auth.password auth.project_id auth.project_name
  "auth.user_domain_name // .auth.domain_name" "auth.user_domain_id // .auth.domain_id" region_name cacert
  auth.application_credential_name auth.application_credential_id auth.application_credential_secret auth_type)
VARS=(AUTH_URL USERNAME PASSWORD PROJECT_ID PROJECT_NAME DOMAIN_NAME DOMAIN_ID REGION CACERT
  APP_CRED_NAME APP_CRED_ID APP_CRED_SECRET AUTH_TYPE)

# The fields op prints "true"/"false" (cloud present), the cloud names, then each field; all but the
# first in base64 so that any value fits on one line. The doc op prints the clouds.yaml of that cloud
# alone, with auth.password set to $CAPO_INJECT_PASSWORD when that is set. Parser messages never quote
# the file (a line of it may hold a password).
PYTHON_PARSER='
import base64, os, sys, yaml
prog, op, path, name = sys.argv[1:5]
def fail(message):
    sys.exit("%s: %s" % (prog, message))
try:
    with open(path) as f:
        doc = yaml.safe_load(f)
except yaml.YAMLError as e:
    mark = getattr(e, "problem_mark", None)
    fail("%s is not valid YAML%s" % (path, " (line %d)" % (mark.line + 1) if mark else ""))
except (OSError, UnicodeError) as e:
    fail("cannot read %s (%s)" % (path, type(e).__name__))
clouds = doc.get("clouds") or {} if isinstance(doc, dict) else None
if not isinstance(clouds, dict):
    fail("%s is not a clouds.yaml (no clouds mapping)" % path)
cloud = clouds.get(name)
if not isinstance(cloud, dict):
    cloud = {}
if op == "doc":
    if os.environ.get("CAPO_INJECT_PASSWORD"):
        cloud.setdefault("auth", {})["password"] = os.environ["CAPO_INJECT_PASSWORD"]
    sys.stdout.write(yaml.safe_dump({"clouds": {name: cloud}}, default_flow_style=False, sort_keys=False))
    sys.exit()
def get(field):
    for alt in field.split(" // ."):
        value = cloud
        for key in alt.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None:
            return str(value)
    return ""
def b64(s):
    return base64.b64encode(s.encode()).decode()
print("true" if name in clouds else "false")
print(b64(", ".join(str(k) for k in clouds)))
for field in sys.argv[5:]:
    print(b64(get(field)))
'

# One jq-style program serves both yq variants; @CLOUD@ and @PW@ become their way to read a variable.
YQ_FIELDS='((.clouds // {}) | has(@CLOUD@)), ((.clouds // {}) | keys | join(", ") | @base64)'
for f in "${FIELDS[@]}"; do
  YQ_FIELDS+=", (.clouds[@CLOUD@] | .${f} // \"\" | tostring | @base64)"
done
YQ_DOC='{"clouds": (.clouds | with_entries(select(.key == @CLOUD@)))}'

pick_parser() {
  if command -v python3 >/dev/null 2>&1 && python3 -c 'import yaml' >/dev/null 2>&1; then
    echo python
  elif command -v yq >/dev/null 2>&1; then
    case "$(yq --version 2>&1)" in
      *mikefarah*" version v4."*) echo yq-go ;;
      "yq "[0-9]*) command -v jq >/dev/null 2>&1 && echo yq-python ;;
    esac
  fi
}

PARSER=$(pick_parser) || true
[ -n "$PARSER" ] || die "no YAML reader found: install python3 with PyYAML (python3-yaml), or yq (mikefarah yq v4, or the Python yq with jq)"

# parse fields|doc: the chosen parser's output for the op (see above).
parse() {
  local op=$1 program
  if [ "$PARSER" = python ]; then
    python3 -c "$PYTHON_PARSER" "$PROG" "$op" "$CLOUDS_YAML" "$CLOUD" "${FIELDS[@]}"
    return
  fi
  if [ "$op" = fields ]; then program=$YQ_FIELDS; else program=$YQ_DOC; fi
  if [ "$op" = doc ] && [ -n "${CAPO_INJECT_PASSWORD:-}" ]; then
    program+=' | .clouds[@CLOUD@].auth.password = @PW@'
  fi
  if [ "$PARSER" = yq-go ]; then
    # explode: the cloud may use an anchor defined in a cloud that is left out; style: block, not flow.
    program=${program//@CLOUD@/strenv(CAPO_YQ_CLOUD)}
    [ "$op" = fields ] || program+=' | ... style=""'
    CAPO_YQ_CLOUD=$CLOUD yq "explode(.) | ${program//@PW@/strenv(CAPO_INJECT_PASSWORD)}" "$CLOUDS_YAML"
  else
    program=${program//@CLOUD@/env.CAPO_YQ_CLOUD}
    CAPO_YQ_CLOUD=$CLOUD yq "$([ "$op" = doc ] && echo -y || echo -r)" "${program//@PW@/env.CAPO_INJECT_PASSWORD}" "$CLOUDS_YAML"
  fi 2>/dev/null || die "$CLOUDS_YAML is not a valid clouds.yaml"
}

b64() { base64 | tr -d '\n'; }

OUT=$(parse fields) || exit 1
# $(...) dropped the trailing empty lines: a read at the end of OUT gets an empty value.
for v in FOUND NAMES "${VARS[@]}"; do
  IFS= read -r "${v?}" || true
done <<<"$OUT"
for v in NAMES "${VARS[@]}"; do
  printf -v "$v" '%s' "$(printf '%s' "${!v}" | base64 -d)"
done
[ "$FOUND" = true ] || die "cloud '$CLOUD' not found in $CLOUDS_YAML (clouds: $NAMES)"

# $OS_PASSWORD stands in for a password the file leaves out (as openstack CLI users keep it), but is
# never added to an application credential cloud.
INJECT=
if [ -z "$PASSWORD" ] && [ -n "${OS_PASSWORD:-}" ] && [ "$AUTH_TYPE" != v3applicationcredential ] &&
  [ -z "$APP_CRED_ID$APP_CRED_SECRET" ]; then
  PASSWORD=$OS_PASSWORD
  INJECT=$OS_PASSWORD
fi
[ -z "$CACERT" ] || [ -r "$CACERT" ] || die "cloud '$CLOUD' names cacert '$CACERT', which cannot be read"

# key="value", with \ and " escaped as gcfg (the cloud provider's INI reader) expects; no value, no line.
ini() {
  local v=${2//\\/\\\\}
  [ -z "$2" ] || printf '%s="%s"\n' "$1" "${v//\"/\\\"}"
}

# cloud_conf <ca-file>: the [Global] section, in CAPO's key order.
cloud_conf() {
  echo "[Global]"
  ini auth-url "$AUTH_URL"
  ini username "$USERNAME"
  ini password "$PASSWORD"
  ini tenant-id "$PROJECT_ID"
  ini tenant-name "$PROJECT_NAME"
  ini domain-name "$DOMAIN_NAME"
  ini domain-id "$DOMAIN_ID"
  [ -z "$CACERT" ] || ini ca-file "$1"
  ini region "$REGION"
  ini application-credential-name "$APP_CRED_NAME"
  ini application-credential-id "$APP_CRED_ID"
  ini application-credential-secret "$APP_CRED_SECRET"
}

if [ "$MODE" = conf ]; then
  cloud_conf "$CACERT"
  exit 0
fi

YAML=$(CAPO_INJECT_PASSWORD=$INJECT parse doc) || exit 1
echo "OPENSTACK_CLOUD_YAML_B64=$(printf '%s\n' "$YAML" | b64)"
echo "OPENSTACK_CLOUD_PROVIDER_CONF_B64=$(cloud_conf /etc/certs/cacert | b64)"
if [ -n "$CACERT" ]; then
  echo "OPENSTACK_CLOUD_CACERT_B64=$(b64 <"$CACERT")"
else
  echo "OPENSTACK_CLOUD_CACERT_B64=$(echo | b64)"
fi
