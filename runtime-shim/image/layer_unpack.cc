#include "runtime-shim/image/layer_unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <utility>

#include "common/base/unique_fd.h"
#include "runtime-shim/image/digest.h"

namespace orch::shim {

namespace {

struct ReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
using ReadArchive = std::unique_ptr<archive, ReadFree>;
using WriteArchive = std::unique_ptr<archive, WriteFree>;

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr std::string_view kAufsMetaPrefix = ".wh..wh.";

std::string archiveError(archive* a) {
  const char* e = archive_error_string(a);
  return e != nullptr ? e : "unknown libarchive error";
}

// Only compressors libarchive implements itself (no external programs).
Result<ReadArchive> openCompressed(const std::string& path, bool raw) {
  ReadArchive a(archive_read_new());
  if (!a) return Status::error(ENOMEM, "archive_read_new");
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_zstd(a.get());
  archive_read_support_filter_xz(a.get());
  archive_read_support_filter_bzip2(a.get());
  if (raw) {
    archive_read_support_format_raw(a.get());
  } else {
    archive_read_support_format_tar(a.get());
    archive_read_support_format_empty(a.get());
  }
  if (archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return Status::error(EBADMSG, "open " + path + ": " + archiveError(a.get()));
  }
  return a;
}

// Opens the directory `rel` (clean, relative) below `root_fd` without following any
// symlink; with `create`, missing components are made (0755).
Result<UniqueFd> openDirBeneath(int root_fd, const std::string& rel, bool create) {
  UniqueFd cur(::fcntl(root_fd, F_DUPFD_CLOEXEC, 0));
  if (!cur) return Status::fromErrno("dup layer dir fd");
  size_t start = 0;
  while (start < rel.size()) {
    size_t end = rel.find('/', start);
    if (end == std::string::npos) end = rel.size();
    std::string comp = rel.substr(start, end - start);
    start = end + 1;
    int fd = ::openat(cur.get(), comp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
      if (::mkdirat(cur.get(), comp.c_str(), 0755) != 0 && errno != EEXIST) {
        return Status::fromErrno("mkdir " + rel);
      }
      fd = ::openat(cur.get(), comp.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0) {
      if (errno == ELOOP || errno == ENOTDIR) {
        return Status::error(EPERM, "\"" + rel + "\" goes through a symlink or non-directory");
      }
      return Status::fromErrno("open " + rel);
    }
    cur.reset(fd);
  }
  return cur;
}

std::pair<std::string, std::string> splitParent(const std::string& rel) {
  size_t slash = rel.rfind('/');
  if (slash == std::string::npos) return {"", rel};
  return {rel.substr(0, slash), rel.substr(slash + 1)};
}

// Removes whatever `name` is in `dir_fd` (a tree, if a directory) — only entries this same
// layer created, since the layer dir started empty.
Status removeEntry(int dir_fd, const std::string& dir, const std::string& name) {
  struct stat st;
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return errno == ENOENT ? Status::ok() : Status::fromErrno("stat " + name);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dir_fd, name.c_str(), 0) != 0) return Status::fromErrno("remove " + name);
    return Status::ok();
  }
  std::error_code ec;
  std::filesystem::remove_all(std::filesystem::path(dir) / name, ec);
  if (ec) return Status::error(ec.value(), "remove " + name);
  return Status::ok();
}

class Unpacker {
 public:
  Unpacker(std::string dest, const UnpackOptions& opts, UnpackReport& report)
      : dest_(std::move(dest)), opts_(opts), report_(report) {}

  Status run(const std::string& tar_path) {
    root_fd_.reset(::open(dest_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd_) return Status::fromErrno("open " + dest_);
    ORCH_ASSIGN_OR_RETURN(ReadArchive in, openCompressed(tar_path, false));
    WriteArchive out(archive_write_disk_new());
    if (!out) return Status::error(ENOMEM, "archive_write_disk_new");
    int flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR |
                ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT;
    if (opts_.privileged) flags |= ARCHIVE_EXTRACT_OWNER;
    // No archive_write_disk_set_standard_lookup(): ids stay numeric, since the host's
    // /etc/passwd says nothing about the image's users.
    archive_write_disk_set_options(out.get(), flags);
    for (;;) {
      archive_entry* e = nullptr;
      int r = archive_read_next_header(in.get(), &e);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) {
        return Status::error(EBADMSG, "read " + tar_path + ": " + archiveError(in.get()));
      }
      ORCH_RETURN_IF_ERROR(entry(in.get(), out.get(), e));
    }
    // Applies the deferred directory modes and times.
    if (archive_write_close(out.get()) != ARCHIVE_OK) {
      return Status::error(EIO, "finish unpacking into " + dest_ + ": " + archiveError(out.get()));
    }
    return Status::ok();
  }

 private:
  Status entry(archive* in, archive* out, archive_entry* e) {
    const char* raw_path = archive_entry_pathname(e);
    std::string orig = raw_path != nullptr ? raw_path : "";
    auto cleaned = cleanLayerPath(orig);
    if (!cleaned.ok()) return cleaned.status();
    const std::string& rel = *cleaned;
    if (rel.empty()) return Status::ok();  // the layer root itself keeps its mode
    auto [parent, base] = splitParent(rel);
    // AUFS metadata dirs at the top (.wh..wh.plnk, .wh..wh.aufs) are skipped whole.
    if (rel.rfind(kAufsMetaPrefix, 0) == 0 && rel != kOpaqueMarker) return Status::ok();

    if (base.rfind(kWhiteoutPrefix, 0) == 0) {
      if (base == kOpaqueMarker) return opaque(parent);
      if (base.rfind(kAufsMetaPrefix, 0) == 0) return Status::ok();
      std::string hidden = base.substr(kWhiteoutPrefix.size());
      return whiteout(parent, hidden);
    }

    const mode_t type = archive_entry_filetype(e);
    if ((type == AE_IFCHR || type == AE_IFBLK) && !opts_.privileged) {
      report_.skipped.push_back(rel);
      return Status::ok();
    }
    if (type == AE_IFSOCK) {
      report_.skipped.push_back(rel);
      return Status::ok();
    }
    archive_entry_set_pathname(e, (dest_ + "/" + rel).c_str());
    if (const char* link = archive_entry_hardlink(e); link != nullptr) {
      auto target = cleanLayerPath(link);
      if (!target.ok()) return target.status().withContext("hardlink " + rel);
      if (target->empty()) return Status::error(EPERM, "hardlink " + rel + " to the layer root");
      archive_entry_set_hardlink(e, (dest_ + "/" + *target).c_str());
    }
    dropOverlayXattrs(e);
    int r = archive_write_header(out, e);
    if (r < ARCHIVE_WARN) {
      return Status::error(EPERM, "unpack \"" + orig + "\": " + archiveError(out));
    }
    if (archive_entry_size(e) > 0 && archive_entry_hardlink(e) == nullptr) {
      ORCH_RETURN_IF_ERROR(copyData(in, out, orig));
    }
    r = archive_write_finish_entry(out);
    if (r < ARCHIVE_WARN) {
      return Status::error(EIO, "unpack \"" + orig + "\": " + archiveError(out));
    }
    return Status::ok();
  }

  Status copyData(archive* in, archive* out, const std::string& name) {
    for (;;) {
      const void* buf = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      int r = archive_read_data_block(in, &buf, &size, &offset);
      if (r == ARCHIVE_EOF) return Status::ok();
      if (r < ARCHIVE_WARN) {
        return Status::error(EBADMSG, "read \"" + name + "\": " + archiveError(in));
      }
      if (archive_write_data_block(out, buf, size, offset) < ARCHIVE_WARN) {
        return Status::error(EIO, "write \"" + name + "\": " + archiveError(out));
      }
    }
  }

  static void dropOverlayXattrs(archive_entry* e) {
    if (archive_entry_xattr_reset(e) == 0) return;
    std::vector<std::pair<std::string, std::string>> keep;
    bool dropped = false;
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
      std::string n = name != nullptr ? name : "";
      if (n.rfind("trusted.overlay.", 0) == 0) {
        dropped = true;
        continue;
      }
      keep.emplace_back(n, std::string(static_cast<const char*>(value), size));
    }
    if (!dropped) return;
    archive_entry_xattr_clear(e);
    for (const auto& [n, v] : keep) archive_entry_xattr_add_entry(e, n.c_str(), v.data(), v.size());
  }

  Status whiteout(const std::string& parent, const std::string& name) {
    std::string rel = parent.empty() ? name : parent + "/" + name;
    if (name.empty() || name == "." || name == "..") {
      return Status::error(EPERM, "whiteout \"" + rel + "\": bad name");
    }
    report_.whiteouts.push_back(rel);
    if (!opts_.privileged) return Status::ok();
    auto dir = openDirBeneath(root_fd_.get(), parent, true);
    if (!dir.ok()) return dir.status().withContext("whiteout " + rel);
    ORCH_RETURN_IF_ERROR(removeEntry(dir->get(), dest_ + "/" + parent, name));
    if (::mknodat(dir->get(), name.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0) {
      return Status::fromErrno("whiteout " + rel + ": mknod");
    }
    return Status::ok();
  }

  Status opaque(const std::string& dir_rel) {
    report_.opaque_dirs.push_back(dir_rel);
    if (!opts_.privileged) return Status::ok();
    auto dir = openDirBeneath(root_fd_.get(), dir_rel, true);
    if (!dir.ok()) return dir.status().withContext("opaque dir \"" + dir_rel + "\"");
    if (::fsetxattr(dir->get(), "trusted.overlay.opaque", "y", 1, 0) != 0) {
      return Status::fromErrno("opaque dir \"" + dir_rel + "\": set trusted.overlay.opaque");
    }
    return Status::ok();
  }

  std::string dest_;
  const UnpackOptions& opts_;
  UnpackReport& report_;
  UniqueFd root_fd_;
};

}  // namespace

Result<std::string> cleanLayerPath(const std::string& path) {
  std::string out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string_view comp(path.data() + start, end - start);
    start = end + 1;
    if (comp.empty() || comp == ".") continue;
    if (comp == "..") {
      return Status::error(EPERM, "layer entry \"" + path + "\" escapes the layer dir");
    }
    if (!out.empty()) out.push_back('/');
    out.append(comp);
  }
  return out;
}

Result<std::string> uncompressedDigest(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::fromErrno("stat " + path);
  if (st.st_size == 0) return sha256Digest("");
  ORCH_ASSIGN_OR_RETURN(ReadArchive a, openCompressed(path, true));
  archive_entry* e = nullptr;
  if (archive_read_next_header(a.get(), &e) != ARCHIVE_OK) {
    return Status::error(EBADMSG, "read " + path + ": " + archiveError(a.get()));
  }
  Sha256 h;
  char buf[65536];
  for (;;) {
    la_ssize_t n = archive_read_data(a.get(), buf, sizeof(buf));
    if (n < 0) return Status::error(EBADMSG, "decompress " + path + ": " + archiveError(a.get()));
    if (n == 0) break;
    h.update(std::string_view(buf, static_cast<size_t>(n)));
  }
  return h.digest();
}

Result<UnpackReport> unpackLayer(const std::string& tar_path, const std::string& dest,
                                 const std::string& expected_diff_id, const UnpackOptions& opts) {
  UnpackReport report;
  ORCH_ASSIGN_OR_RETURN(report.diff_id, uncompressedDigest(tar_path));
  if (!expected_diff_id.empty() && report.diff_id != expected_diff_id) {
    return Status::error(EBADMSG, "layer " + tar_path + ": uncompressed digest " + report.diff_id +
                                      " does not match diff ID " + expected_diff_id);
  }
  Unpacker u(dest, opts, report);
  ORCH_RETURN_IF_ERROR(u.run(tar_path));
  return report;
}

}  // namespace orch::shim
