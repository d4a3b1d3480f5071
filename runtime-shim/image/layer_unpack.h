#pragma once
// Unpacks one image layer (a tar, uncompressed or gzip/zstd/xz/bzip2-compressed) into a
// directory that overlayfs can use as a lower layer:
//  - OCI/AUFS whiteouts ".wh.<name>" become overlayfs whiteouts: a character device 0:0
//    named <name> (it hides <name> of the layers below);
//  - an opaque marker ".wh..wh..opq" sets the xattr trusted.overlay.opaque=y on its
//    directory; other ".wh..wh.*" AUFS metadata (files, and top-level dirs such as
//    .wh..wh.plnk with everything in them) is ignored;
//  - modes, ownership, times, symlinks, hardlinks, device nodes and fifos are kept;
//  - entry paths are taken relative to the layer dir (a leading '/' or "./" is dropped);
//    an entry with a ".." component, or one that would be written through a symlink
//    (absolute or relative), fails the whole unpack with EPERM / the libarchive error;
//  - xattrs "trusted.overlay.*" carried by the tar itself are dropped.
// The caller unpacks into a fresh directory and removes it when this fails.

#include <string>
#include <vector>

#include "common/base/status.h"

namespace orch::shim {

struct UnpackOptions {
  // Whiteout device nodes, trusted.* xattrs, device nodes and ownership need root
  // (CAP_MKNOD, CAP_SYS_ADMIN, CAP_CHOWN). Without `privileged` those steps are skipped:
  // whiteouts and opaque dirs are only reported, device nodes are left out (and
  // reported), files belong to the caller.
  bool privileged = true;
};

struct UnpackReport {
  std::string diff_id;                   // sha256 of the uncompressed tar
  std::vector<std::string> whiteouts;    // layer-relative paths hidden ("etc/motd")
  std::vector<std::string> opaque_dirs;  // layer-relative dirs marked opaque ("" = root)
  std::vector<std::string> skipped;      // entries left out (devices when unprivileged)
};

// Unpacks `tar_path` into `dest` (an existing empty directory, given as a path without
// symlinks). With a non-empty `expected_diff_id` the uncompressed stream is hashed first
// and a mismatch is EBADMSG naming both digests, before anything is written.
Result<UnpackReport> unpackLayer(const std::string& tar_path, const std::string& dest,
                                 const std::string& expected_diff_id, const UnpackOptions& opts);

// "sha256:<hex>" of the decompressed content of `path` (the diff ID of a layer blob).
Result<std::string> uncompressedDigest(const std::string& path);

// The entry path made relative and clean ("./a//b/" → "a/b", "/" → ""); EPERM for a path
// with a ".." component (it would escape the layer dir).
Result<std::string> cleanLayerPath(const std::string& path);

}  // namespace orch::shim
