// loopback: the CNI plugin that brings lo up in the pod's namespace (see loopback.h).
#include "cni-plugins/loopback/loopback.h"

int main() {
  return orch::cni::skel::pluginMain(orch::cni::loopback::plugin());
}
