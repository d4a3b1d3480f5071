#pragma once
// Pulls an image from its registry into a LocalImageStore. The registry is reached at the
// mirror PullOptions names for the reference's host (its own scheme; a bare host is
// https unless insecure), then, if the mirror cannot serve the manifest, at the host itself
// ("docker.io" is registry-1.docker.io) over https, or http for hosts in `insecure`.
// Indexes are resolved to the manifest of the wanted platform. Blobs the store already has
// are not fetched again; every fetched blob is verified, and nothing is stored unless the
// whole image is. The image gets the normalized reference as tag (a tag reference) and
// <name>@<digest of what the reference resolved to> as repo digest.

#include <string>

#include "runtime-shim/image/local_image_store.h"

namespace orch::shim {

Result<ImageRecord> pullImage(LocalImageStore& store, const std::string& ref,
                              const PullOptions& opts);

}  // namespace orch::shim
