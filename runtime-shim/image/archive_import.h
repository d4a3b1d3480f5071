#pragma once
// Import of image tarballs into a LocalImageStore:
//  - docker-archive (`docker save`): manifest.json [{Config, RepoTags, Layers}], the config
//    JSON and the layer tars (uncompressed or compressed); the legacy `repositories` file
//    names the image when its manifest entry has no RepoTags;
//  - OCI image layout: oci-layout, index.json and blobs/sha256/<hex>; an index entry is
//    named by its annotation io.containerd.image.name, else by
//    org.opencontainers.image.ref.name when that is a full reference (a bare tag such as
//    "latest" names nothing), and also gets the repo digest <name>@<entry digest>;
//    nested indexes are resolved for this machine's platform.
// The tarball itself may be gzip/zstd/xz/bzip2-compressed. Every file named after a digest
// (blobs/sha256/<hex>, <hex>.json configs) must match it, and every layer's uncompressed
// digest must match the config's diff ID, all checked before anything is stored.

#include <string>
#include <vector>

#include "runtime-shim/image/local_image_store.h"

namespace orch::shim {

Result<std::vector<ImageRecord>> importImageArchive(LocalImageStore& store,
                                                    const std::string& tar_path);

}  // namespace orch::shim
