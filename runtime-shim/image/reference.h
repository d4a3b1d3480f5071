#pragma once
// Image references, parsed and normalized as containerd's reference.ParseDockerRef does
// (github.com/distribution/reference grammar):
//   "busybox"               → docker.io/library/busybox:latest
//   "foo/bar@sha256:<hex>"  → docker.io/foo/bar@sha256:<hex>
//   "localhost:5000/a:v1"   → localhost:5000/a:v1
// The first path component is a registry host when it contains '.' or ':', is "localhost",
// or has upper-case letters; otherwise the host is docker.io. "index.docker.io" is docker.io.
// A reference with both a tag and a digest keeps only the digest.

#include <string>

#include "common/base/status.h"

namespace orch::shim {

struct Reference {
  std::string domain;  // "docker.io", "localhost:5000", "registry.k8s.io"
  std::string path;    // "library/busybox"
  std::string tag;     // "latest"; empty when digest is set
  std::string digest;  // "sha256:<hex>" or empty

  // "docker.io/library/busybox"
  std::string name() const { return domain + "/" + path; }
  // The normalized reference: name() + ":" + tag, or name() + "@" + digest.
  std::string string() const;
  // name() + "@" + `digest` (a repo digest).
  std::string withDigest(const std::string& d) const { return name() + "@" + d; }
};

// EINVAL ("invalid reference \"X\": ...") for malformed references.
Result<Reference> parseReference(const std::string& ref);

}  // namespace orch::shim
