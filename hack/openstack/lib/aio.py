#!/usr/bin/python3
"""Seeds and checks the capo-ts all-in-one through the OpenStack APIs (Debian's keystoneauth only).

Called by aio.sh with passwords and seed names in the environment:
  aio.py identity    projects, users, roles, services and endpoints (Keystone only)
  aio.py resources   flavors, AZ aggregates, images, external network, volume type, keypair
  aio.py status      one line per service check; exit 1 if any fails
  aio.py clouds FILE write clouds.yaml
"""
import datetime
import os
import subprocess
import sys
import time

import yaml
from keystoneauth1 import exceptions, session
from keystoneauth1.identity import v3

E = os.environ
HOST = "127.0.0.1"
KEYSTONE = f"http://{HOST}:5000/v3"
REGION = E["OPENSTACK_REGION"]

# (user, service name, service type, public URL)
SERVICES = [
    ("glance", "glance", "image", f"http://{HOST}:9292"),
    ("placement", "placement", "placement", f"http://{HOST}:8778"),
    ("nova", "nova", "compute", f"http://{HOST}:8774/v2.1"),
    ("neutron", "neutron", "network", f"http://{HOST}:9696"),
    ("cinder", "cinderv3", "volumev3", f"http://{HOST}:8776/v3/%(project_id)s"),
    ("cinder", "cinder", "block-storage", f"http://{HOST}:8776/v3/%(project_id)s"),
    ("octavia", "octavia", "load-balancer", f"http://{HOST}:9876"),
]
SERVICE_USERS = sorted({s[0] for s in SERVICES})
# Octavia's default policy wants its own roles; CAPO's member user gets load-balancer_member.
OCTAVIA_ROLES = ["load-balancer_member", "load-balancer_observer", "load-balancer_admin"]

FLAVORS = [  # name, vcpus, ram MiB, disk GiB
    ("m1.tiny", 1, 512, 1),
    ("m1.tiny.alt", 1, 512, 1),
    ("m1.small", 1, 2048, 20),
    ("m1.medium", 2, 4096, 40),
    ("m1.large", 4, 8192, 80),
]
COMPUTE_HOSTS = {"aio-compute-1": E["OPENSTACK_FAILURE_DOMAIN"], "aio-compute-2": E["OPENSTACK_FAILURE_DOMAIN_ALT"]}

# Services and agents that report to their API: (binary or agent type, host, the aio.sh service sending it).
# Hosts are set in conf/ (nova.conf and cinder.conf: aio; neutron.conf: aio-compute-1) and config.sh.
REPORTING = [
    ("nova-conductor", "aio", "nova-conductor"),
    ("nova-scheduler", "aio", "nova-scheduler"),
    ("nova-compute", "aio-compute-1", "nova-compute-1"),
    ("nova-compute", "aio-compute-2", "nova-compute-2"),
    ("cinder-scheduler", "aio", "cinder-scheduler"),
    ("cinder-volume", "aio@fake1", "cinder-volume"),
    ("cinder-volume", "aio@fake2", "cinder-volume"),
    ("Linux bridge agent", "aio-compute-1", "neutron-linuxbridge-agent"),
    ("Linux bridge agent", "aio-compute-2", "neutron-linuxbridge-agent-2"),
    ("L3 agent", "aio-compute-1", "neutron-l3-agent"),
    ("DHCP agent", "aio-compute-1", "neutron-dhcp-agent"),
]
RUN_DIR = "/var/lib/capo-ts-aio/run"


class Cloud:
    """A keystoneauth session with calls addressed by service type and path."""

    def __init__(self, user, password, project):
        auth = v3.Password(auth_url=KEYSTONE, username=user, password=password, project_name=project,
                           user_domain_id="default", project_domain_id="default")
        self.session = session.Session(auth=auth)

    def request(self, method, service, path, **kw):
        filt = {"service_type": service, "interface": "public", "region_name": REGION}
        return self.session.request(path, method, endpoint_filter=filt, raise_exc=False, connect_retries=3, **kw)

    def exists(self, service, path):
        return self.request("GET", service, path).status_code == 200

    def call(self, method, service, path, ok=(200, 201, 202, 204), **kw):
        r = self.request(method, service, path, **kw)
        if r.status_code not in ok:
            raise RuntimeError(f"{method} {service} {path}: HTTP {r.status_code} {r.text[:300]}")
        return r.json() if r.content and "json" in r.headers.get("Content-Type", "") else None

    def get(self, service, path, **kw):
        return self.call("GET", service, path, **kw)

    def post(self, service, path, body, **kw):
        return self.call("POST", service, path, json=body, **kw)

    def find(self, service, path, collection, name, **params):
        items = self.get(service, path, params={"name": name, **params})[collection]
        return next((i for i in items if i.get("name") == name), None)

    def ensure(self, service, path, collection, key, body, **params):
        """Returns the resource named body['name'], creating it if missing."""
        return self.find(service, path, collection, body["name"], **params) or \
            self.post(service, path, {key: body})[key]


def admin():
    return Cloud("admin", E["ADMIN_PASSWORD"], "admin")


def identity():
    c = admin()
    ensure_id = lambda kind, body: c.ensure("identity", f"/{kind}s", f"{kind}s", kind, body)
    projects = {name: ensure_id("project", {"name": name, "domain_id": "default", "description": desc})
                for name, desc in [("service", "OpenStack services"), ("demo", "capo-ts tests")]}
    roles = {name: ensure_id("role", {"name": name}) for name in ["admin", "member", "reader", "service"] + OCTAVIA_ROLES}

    def user(name, password):
        u = ensure_id("user", {"name": name, "domain_id": "default", "password": password})
        c.call("PATCH", "identity", f"/users/{u['id']}", json={"user": {"password": password}})
        return u

    def grant(project, u, role):
        c.call("PUT", "identity", f"/projects/{projects[project]['id']}/users/{u['id']}/roles/{roles[role]['id']}")

    for name in SERVICE_USERS:
        u = user(name, E["SERVICE_PASSWORD"])
        grant("service", u, "admin")
        grant("service", u, "service")
    demo = user("demo", E["DEMO_PASSWORD"])
    for role in ["member", "reader", "load-balancer_member"]:
        grant("demo", demo, role)
    admin_user = c.find("identity", "/users", "users", "admin")
    grant("demo", admin_user, "admin")

    for _, name, stype, url in SERVICES:
        svc = next((s for s in c.get("identity", "/services", params={"type": stype})["services"]), None) or \
            c.post("identity", "/services", {"service": {"name": name, "type": stype}})["service"]
        for interface in ("public", "internal", "admin"):
            eps = c.get("identity", "/endpoints", params={"service_id": svc["id"], "interface": interface})["endpoints"]
            body = {"service_id": svc["id"], "interface": interface, "url": url, "region_id": REGION}
            if not eps:
                c.post("identity", "/endpoints", {"endpoint": body})
            elif eps[0]["url"] != url or eps[0].get("region_id") != REGION:
                c.call("PATCH", "identity", f"/endpoints/{eps[0]['id']}", json={"endpoint": body})


def wait_compute_hosts(c, timeout=120):
    deadline = time.time() + timeout
    while True:
        services = c.get("compute", "/os-services", params={"binary": "nova-compute"})["services"]
        up = {s["host"] for s in services if s["state"] == "up"}
        if set(COMPUTE_HOSTS) <= up:
            return
        if time.time() > deadline:
            raise RuntimeError(f"compute hosts up: {sorted(up)}, want {sorted(COMPUTE_HOSTS)}")
        time.sleep(1)


def resources():
    c = admin()
    flavors = {f["name"] for f in c.get("compute", "/flavors", params={"is_public": "None"})["flavors"]}
    for name, vcpus, ram, disk in FLAVORS:
        if name not in flavors:
            c.post("compute", "/flavors", {"flavor": {"name": name, "vcpus": vcpus, "ram": ram, "disk": disk}})

    wait_compute_hosts(c)
    subprocess.run(["nova-manage", "cell_v2", "discover_hosts"], check=True, capture_output=True)
    aggregates = {a["name"]: a for a in c.get("compute", "/os-aggregates")["aggregates"]}
    for host, az in COMPUTE_HOSTS.items():
        agg = aggregates.get(az) or c.post("compute", "/os-aggregates",
                                            {"aggregate": {"name": az, "availability_zone": az}})["aggregate"]
        if host not in agg.get("hosts", []):
            c.post("compute", f"/os-aggregates/{agg['id']}/action", {"add_host": {"host": host}})

    for name in (E["OPENSTACK_IMAGE_NAME"], E["OPENSTACK_BASTION_IMAGE_NAME"]):
        ensure_image(c, name, E["AIO_IMAGE_FILE"])

    net = c.ensure("network", "/v2.0/networks", "networks", "network", {
        "name": E["OPENSTACK_EXTERNAL_NETWORK_NAME"], "router:external": True, "shared": False,
        "provider:network_type": "flat", "provider:physical_network": "public"})
    cidr, gateway = E["OPENSTACK_EXTERNAL_CIDR"], E["OPENSTACK_EXTERNAL_GATEWAY"]
    prefix = cidr.rsplit(".", 1)[0]
    c.ensure("network", "/v2.0/subnets", "subnets", "subnet", {
        "name": E["OPENSTACK_EXTERNAL_SUBNET_NAME"], "network_id": net["id"], "ip_version": 4, "cidr": cidr,
        "gateway_ip": gateway, "enable_dhcp": False,
        "allocation_pools": [{"start": f"{prefix}.10", "end": f"{prefix}.250"}]}, network_id=net["id"])

    vtype = E["OPENSTACK_VOLUME_TYPE_ALT"]
    if not any(t["name"] == vtype for t in c.get("volumev3", "/types")["volume_types"]):
        c.post("volumev3", "/types", {"volume_type": {"name": vtype, "extra_specs": {"volume_backend_name": "fake"}}})

    demo = Cloud("demo", E["DEMO_PASSWORD"], E["OPENSTACK_PROJECT"])
    key = E["OPENSTACK_SSH_KEY_NAME"]
    if not demo.exists("compute", f"/os-keypairs/{key}"):
        with open(E["OPENSTACK_SSH_PRIVATE_KEY_FILE"] + ".pub") as f:
            demo.post("compute", "/os-keypairs", {"keypair": {"name": key, "public_key": f.read().strip()}})


def ensure_image(c, name, path):
    for img in c.get("image", "/v2/images", params={"name": name})["images"]:
        if img["status"] == "active":
            return
        c.call("DELETE", "image", f"/v2/images/{img['id']}")  # left half-made by an interrupted run
    img = c.post("image", "/v2/images", {"name": name, "disk_format": "qcow2", "container_format": "bare",
                                          "visibility": "public", "os_distro": "ubuntu"})
    with open(path, "rb") as f:
        c.call("PUT", "image", f"/v2/images/{img['id']}/file", data=f.read(),
               headers={"Content-Type": "application/octet-stream"})


def parse_utc(timestamp):
    """API timestamps are UTC without a zone: '2026-11-25T08:42:21.000000' or '2026-11-25 08:42:28'."""
    return datetime.datetime.fromisoformat(timestamp).replace(tzinfo=datetime.timezone.utc).timestamp()


def started_at(service):
    """When the process in the service's PID file ("pid start-ticks") started, as a Unix time."""
    with open(f"{RUN_DIR}/{service}.pid") as f:
        ticks = int(f.read().split()[1])
    with open("/proc/stat") as f:
        boot = next(int(line.split()[1]) for line in f if line.startswith("btime "))
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def status():
    """Checks that every registered service and agent is up, as the APIs see them."""
    checks = []

    def check(name, fn):
        try:
            detail = fn()
            checks.append(True)
            print(f"  {name:<34} ok      {detail}")
        except Exception as e:  # report every check, not just the first failure
            checks.append(False)
            print(f"  {name:<34} FAILED  {str(e).splitlines()[0][:200]}")

    try:
        c = admin()
        c.session.get_token()
    except exceptions.ClientException as e:
        print(f"  {'keystone token':<34} FAILED  {e}")
        return 1

    records = {}  # (binary or agent type, host) -> (up, heartbeat)
    for service in ("compute", "volumev3"):
        for r in c.get(service, "/os-services")["services"]:
            records[(r["binary"], r["host"])] = (r["state"] == "up" and r["status"] == "enabled", r["updated_at"])
    for a in c.get("network", "/v2.0/agents")["agents"]:
        records[(a["agent_type"], a["host"])] = (a["alive"] and a["admin_state_up"], a["heartbeat_timestamp"])

    def fresh(kind, host, process):
        up, heartbeat = records.get((kind, host), (False, None))
        if not up:
            raise RuntimeError("down" if heartbeat else "not registered")
        # Right after a restart the last run's heartbeat still counts as up: wait for one of this process.
        age = time.time() - parse_utc(heartbeat)
        if parse_utc(heartbeat) < started_at(process) - 1:
            raise RuntimeError(f"no heartbeat since {process} started (last {age:.0f}s ago)")
        return f"heartbeat {age:.0f}s ago"

    for kind, host, process in REPORTING:
        check(f"{kind} {host}", lambda k=kind, h=host, p=process: fresh(k, h, p))

    def providers():
        rps = c.get("placement", "/resource_providers")["resource_providers"]
        if len(rps) < len(COMPUTE_HOSTS):
            raise RuntimeError(f"{len(rps)} resource providers")
        return f"{len(rps)} resource providers"

    check("placement resource providers", providers)
    check("image API", lambda: f"{len(c.get('image', '/v2/images')['images'])} images")
    check("load-balancer providers", lambda: ", ".join(
        p["name"] for p in c.get("load-balancer", "/v2/lbaas/providers")["providers"]))
    return 0 if all(checks) else 1


def clouds(path):
    def cloud(user, password, project):
        return {"auth": {"auth_url": KEYSTONE, "username": user, "password": password, "project_name": project,
                         "user_domain_name": "Default", "project_domain_name": "Default"},
                "region_name": REGION, "interface": "public", "identity_api_version": 3}

    doc = {"clouds": {
        E["OPENSTACK_CLOUD"]: cloud("demo", E["DEMO_PASSWORD"], E["OPENSTACK_PROJECT"]),
        E["OPENSTACK_CLOUD_ADMIN"]: cloud("admin", E["ADMIN_PASSWORD"], "admin"),
    }}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.write("# Written by capo-ts hack/openstack/aio.sh\n")
        yaml.safe_dump(doc, f, default_flow_style=False, sort_keys=False)
    os.replace(tmp, path)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "status":
        sys.exit(status())
    {"identity": identity, "resources": resources, "clouds": clouds}[cmd](*args)
