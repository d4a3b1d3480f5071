// bridge: the CNI plugin connecting containers to a Linux bridge (see bridge.h).
#include "cni-plugins/bridge/bridge.h"

int main() {
  return orch::cni::skel::pluginMain(orch::cni::bridge::plugin());
}
