#pragma once
// Registry credentials for an image from a pod's imagePullSecrets, as the kubelet's
// keyring: secrets of type kubernetes.io/dockerconfigjson (".dockerconfigjson": {"auths":
// {...}}) or kubernetes.io/dockercfg (".dockercfg": {...}); an entry matches when its key,
// stripped of scheme and path, is the image's registry host (docker.io also matches
// index.docker.io). Every match is returned in secret order; the caller tries them in turn.

#include <string>
#include <vector>

#include "common/api/config.h"
#include "common/cri/api.pb.h"

namespace orch::agent {

// The registry host of an image reference ("docker.io" for "busybox", "reg:5000" for
// "reg:5000/a/b:1").
std::string registryHostOf(const std::string& image);

std::vector<runtime::v1::AuthConfig> credentialsFor(const std::string& image,
                                                    const std::vector<api::Secret>& secrets);

}  // namespace orch::agent
