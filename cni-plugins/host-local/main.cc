// host-local: the CNI IPAM plugin keeping allocations in files (see host_local.h).
#include "cni-plugins/host-local/host_local.h"

int main() {
  return orch::cni::skel::pluginMain(orch::cni::hostlocal::plugin());
}
