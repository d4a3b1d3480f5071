// portmap: the CNI plugin forwarding host ports to containers (see portmap.h).
#include "cni-plugins/portmap/portmap.h"

int main() {
  return orch::cni::skel::pluginMain(orch::cni::portmap::plugin());
}
