"""Octavia compute driver for the capo-ts all-in-one: no amphora servers, but real amphora ports.

Octavia's noop network driver makes up VIP ports, so a floating IP cannot be associated with a load
balancer's VIP (CAPO does exactly that for the API server). With the real allowed-address-pairs network
driver, VIPs, their security groups and member networks are real Neutron resources; it only needs a
compute driver whose interface attachments are real ports. This is the noop compute driver (no servers)
with attachments made the way Nova would make them: Neutron ports whose device_id is the amphora's
compute id, deleted with the amphora.
"""
from types import SimpleNamespace

from oslo_config import cfg
from oslo_log import log as logging

from octavia.common import clients
from octavia.compute.drivers.noop_driver.driver import NoopComputeDriver

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

PORT_NAME_PREFIX = "octavia-aio-amphora-"
DEVICE_OWNER = "compute:octavia-aio"


def _neutron():
    return clients.NeutronAuth.get_neutron_client(
        region=CONF.neutron.region_name, endpoint_type=CONF.neutron.endpoint_type)


def _nova_interface(port):
    return SimpleNamespace(port_id=port["id"], net_id=port["network_id"], fixed_ips=port["fixed_ips"])


class NeutronPortsComputeDriver(NoopComputeDriver):
    def attach_network_or_port(self, compute_id, network_id=None, ip_address=None, port_id=None):
        attach = {"device_id": compute_id, "device_owner": DEVICE_OWNER}
        if port_id:
            port = _neutron().update_port(port_id, {"port": attach})["port"]
        else:
            body = {"network_id": network_id, "name": PORT_NAME_PREFIX + compute_id, **attach}
            if ip_address:
                body["fixed_ips"] = [{"ip_address": ip_address}]
            port = _neutron().create_port({"port": body})["port"]
        LOG.info("attached port %s (network %s) to amphora %s", port["id"], port["network_id"], compute_id)
        return _nova_interface(port)

    def detach_port(self, compute_id, port_id):
        neutron = _neutron()
        port = neutron.show_port(port_id)["port"]
        if port["name"].startswith(PORT_NAME_PREFIX):
            neutron.delete_port(port_id)
        else:
            neutron.update_port(port_id, {"port": {"device_id": "", "device_owner": ""}})
        LOG.info("detached port %s from amphora %s", port_id, compute_id)

    def delete(self, compute_id):
        for port in _neutron().list_ports(device_id=compute_id)["ports"]:
            self.detach_port(compute_id, port["id"])
        super().delete(compute_id)
